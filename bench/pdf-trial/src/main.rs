//! pdf-trial BACKEND FILE [--out PREFIX]
//!
//! Extracts the text of one PDF with one backend and prints one JSON line:
//! {backend, file, status: "ok"|"error"|"panic", error, encrypted, pages, chars, span_count,
//!  elapsed_ms, page_ms: [...]}.
//! With --out PREFIX it also writes PREFIX.txt (plain text, pages separated by \f) and
//! PREFIX.spans.jsonl (one positioned span/char run per line) for the quality checks.
//!
//! Backends:
//!   oxide          pdf_oxide: PdfDocument::from_bytes, per page extract_text + extract_spans
//!   oxide-plain    pdf_oxide: per page to_plain_text(ReadingOrder default pipeline)
//!   oxide-col      pdf_oxide: per page extract_spans_with_reading_order(ColumnAware), text joined
//!   oxide-chars    pdf_oxide: per page extract_chars (chars concatenated; positions in the spans file)
//!   oxide-spanchars pdf_oxide: per page extract_spans, then TextSpan::to_chars()
//!   extract        pdf-extract: extract_text_from_mem_by_pages + custom OutputDev (chars w/ positions)
//!   lopdf          lopdf 0.47 alone: Document::load_mem + extract_text(&[page])
//!
//! Panics are caught (catch_unwind) and reported as status "panic"; crashes, aborts, hangs and
//! OOM are for the driver to count (it runs this in a child with a timeout and memory cap).

use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;
use std::time::Instant;

use serde_json::{Value, json};

static PANIC_MSG: Mutex<Option<String>> = Mutex::new(None);

#[derive(Default)]
struct Out {
    pages: usize,
    texts: Vec<String>,
    spans: Vec<Value>,
    span_count: usize,
    page_ms: Vec<f64>,
    encrypted: Option<bool>,
    extra: serde_json::Map<String, Value>,
    /// Errors on individual pages that did not stop the document.
    page_errors: Vec<String>,
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: pdf-trial BACKEND FILE [--out PREFIX]");
        std::process::exit(2);
    }
    let backend = args[1].clone();
    let file = args[2].clone();
    let out_prefix = args.iter().position(|a| a == "--out").and_then(|i| args.get(i + 1)).cloned();

    std::panic::set_hook(Box::new(|info| {
        let loc = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
        let msg = if let Some(s) = info.payload().downcast_ref::<&str>() {
            s.to_string()
        } else if let Some(s) = info.payload().downcast_ref::<String>() {
            s.clone()
        } else {
            "non-string panic".into()
        };
        *PANIC_MSG.lock().unwrap_or_else(|e| e.into_inner()) = Some(format!("{msg}{loc}"));
    }));

    let data = std::fs::read(&file).expect("read file");
    let t0 = Instant::now();
    let result = catch_unwind(AssertUnwindSafe(|| run(&backend, &data)));
    let elapsed_ms = t0.elapsed().as_secs_f64() * 1000.0;

    let mut j = json!({ "backend": backend, "file": file, "elapsed_ms": elapsed_ms });
    match result {
        Ok(Ok(o)) => {
            let chars: usize = o.texts.iter().map(|t| t.chars().count()).sum();
            j["status"] = json!("ok");
            j["pages"] = json!(o.pages);
            j["chars"] = json!(chars);
            j["nonws_chars"] = json!(o.texts.iter().map(|t| t.chars().filter(|c| !c.is_whitespace()).count()).sum::<usize>());
            j["span_count"] = json!(o.span_count);
            j["page_ms"] = json!(o.page_ms);
            j["encrypted"] = json!(o.encrypted);
            j["page_errors"] = json!(o.page_errors);
            for (k, v) in o.extra {
                j[k] = v;
            }
            if let Some(p) = &out_prefix {
                let mut f = std::fs::File::create(format!("{p}.txt")).unwrap();
                f.write_all(o.texts.join("\u{c}").as_bytes()).unwrap();
                let mut f = std::fs::File::create(format!("{p}.spans.jsonl")).unwrap();
                for s in &o.spans {
                    writeln!(f, "{s}").unwrap();
                }
            }
        }
        Ok(Err((e, enc))) => {
            j["status"] = json!("error");
            j["error"] = json!(e);
            j["encrypted"] = json!(enc);
        }
        Err(_) => {
            j["status"] = json!("panic");
            j["error"] = json!(PANIC_MSG.lock().unwrap_or_else(|e| e.into_inner()).clone());
        }
    }
    println!("{j}");
}

type R = Result<Out, (String, Option<bool>)>;

fn run(backend: &str, data: &[u8]) -> R {
    match backend {
        #[cfg(feature = "oxide")]
        "oxide" | "oxide-plain" | "oxide-col" | "oxide-chars" | "oxide-spanchars" => oxide::run(backend, data),
        #[cfg(feature = "extract")]
        "extract" => extract::run(data),
        #[cfg(feature = "lopdf")]
        "lopdf" => lopdf_only::run(data),
        _ => Err((format!("backend {backend} not built"), None)),
    }
}

#[cfg(feature = "oxide")]
mod oxide {
    use super::*;
    use pdf_oxide::{PdfDocument, ReadingOrder};

    pub fn run(backend: &str, data: &[u8]) -> R {
        let doc = PdfDocument::from_bytes(data.to_vec()).map_err(|e| (format!("open: {e} [{e:?}]"), None))?;
        let enc = doc.is_encrypted();
        // For an encrypted file: does the empty user password open it?
        let auth = if enc {
            match doc.authenticate(b"") {
                Ok(b) => json!(b),
                Err(e) => json!(format!("err: {e} [{e:?}]")),
            }
        } else {
            Value::Null
        };
        if enc && auth != json!(true) {
            return Err((format!("encrypted, empty password refused (authenticate(b\"\") = {auth})"), Some(true)));
        }
        let n = doc.page_count().map_err(|e| (format!("page_count: {e} [{e:?}]"), Some(enc)))?;
        let mut o = Out { pages: n, encrypted: Some(enc), ..Default::default() };
        let mut plain_ms = 0.0;
        let mut span_ms = 0.0;
        for p in 0..n {
            let t = Instant::now();
            match backend {
                "oxide" => {
                    let text = doc.extract_text(p).map_err(|e| (format!("extract_text page {p}: {e} [{e:?}]"), Some(enc)))?;
                    let t1 = t.elapsed().as_secs_f64() * 1000.0;
                    plain_ms += t1;
                    o.texts.push(text);
                    let t2 = Instant::now();
                    let spans = doc.extract_spans(p).map_err(|e| (format!("extract_spans page {p}: {e} [{e:?}]"), Some(enc)))?;
                    span_ms += t2.elapsed().as_secs_f64() * 1000.0;
                    o.span_count += spans.len();
                    for s in spans {
                        o.spans.push(json!({
                            "page": p, "text": s.text,
                            "x": s.bbox.x, "y": s.bbox.y, "w": s.bbox.width, "h": s.bbox.height,
                            "font": s.font_name, "size": s.font_size,
                            "weight": format!("{:?}", s.font_weight), "bold": s.font_weight.is_bold(),
                            "italic": s.is_italic, "artifact": s.artifact_type.as_ref().map(|a| format!("{a:?}")),
                            "heading": s.heading_level, "mcid": s.mcid,
                        }));
                    }
                }
                "oxide-plain" => {
                    let opts = pdf_oxide::converters::ConversionOptions::default();
                    let text = doc.to_plain_text(p, &opts).map_err(|e| (format!("to_plain_text page {p}: {e} [{e:?}]"), Some(enc)))?;
                    o.texts.push(text);
                }
                "oxide-col" => {
                    let spans = doc
                        .extract_spans_with_reading_order(p, ReadingOrder::ColumnAware)
                        .map_err(|e| (format!("extract_spans_with_reading_order page {p}: {e} [{e:?}]"), Some(enc)))?;
                    o.span_count += spans.len();
                    o.texts.push(join_spans(&spans));
                }
                "oxide-spanchars" => {
                    // Per-glyph positions derived from the spans (ActualText already applied).
                    let spans = doc.extract_spans(p).map_err(|e| (format!("extract_spans page {p}: {e} [{e:?}]"), Some(enc)))?;
                    let chars: Vec<_> = spans.iter().flat_map(|s| s.to_chars()).collect();
                    o.span_count += chars.len();
                    o.texts.push(chars.iter().map(|c| c.char).collect());
                }
                "oxide-chars" => {
                    let chars = doc.extract_chars(p).map_err(|e| (format!("extract_chars page {p}: {e} [{e:?}]"), Some(enc)))?;
                    o.span_count += chars.len();
                    o.texts.push(chars.iter().map(|c| c.char).collect());
                    for c in &chars {
                        o.spans.push(json!({
                            "page": p, "text": c.char.to_string(),
                            "x": c.bbox.x, "y": c.bbox.y, "w": c.bbox.width, "h": c.bbox.height,
                            "ox": c.origin_x, "oy": c.origin_y,
                            "font": c.font_name, "size": c.font_size,
                            "weight": format!("{:?}", c.font_weight), "bold": c.font_weight.is_bold(),
                            "italic": c.is_italic, "mcid": c.mcid,
                        }));
                    }
                }
                _ => unreachable!(),
            }
            o.page_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        o.extra.insert("plain_ms".into(), json!(plain_ms));
        o.extra.insert("span_ms".into(), json!(span_ms));
        Ok(o)
    }

    /// Joins spans in the order given: a new line when the baseline moves.
    fn join_spans(spans: &[pdf_oxide::layout::TextSpan]) -> String {
        let mut s = String::new();
        let mut last: Option<(f32, f32)> = None; // (y, right edge)
        for sp in spans {
            if let Some((y, right)) = last {
                if (sp.bbox.y - y).abs() > sp.font_size * 0.5 {
                    s.push('\n');
                } else if sp.bbox.x - right > sp.font_size * 0.15 && !s.ends_with(' ') && !sp.text.starts_with(' ') {
                    s.push(' ');
                }
            }
            s.push_str(&sp.text);
            last = Some((sp.bbox.y, sp.bbox.x + sp.bbox.width));
        }
        s
    }
}

#[cfg(feature = "extract")]
mod extract {
    use super::*;
    use pdf_extract::{MediaBox, OutputDev, OutputError, Transform};

    /// Collects every character with its position and size, grouped into runs (a run ends
    /// at end_word/end_line or when the baseline moves), as a span-like stream.
    #[derive(Default)]
    struct Collect {
        page: u32,
        chars: usize,
        runs: Vec<Value>,
        cur: String,
        cur_x: f64,
        cur_y: f64,
        cur_right: f64,
        cur_size: f64,
    }

    impl Collect {
        fn flush(&mut self) {
            if !self.cur.is_empty() {
                self.runs.push(json!({
                    "page": self.page - 1, "text": std::mem::take(&mut self.cur),
                    "x": self.cur_x, "y": self.cur_y, "w": self.cur_right - self.cur_x, "size": self.cur_size,
                }));
            }
        }
    }

    impl OutputDev for Collect {
        fn begin_page(&mut self, page_num: u32, _mb: &MediaBox, _art: Option<(f64, f64, f64, f64)>) -> Result<(), OutputError> {
            self.page = page_num;
            Ok(())
        }
        fn end_page(&mut self) -> Result<(), OutputError> {
            self.flush();
            Ok(())
        }
        fn output_character(&mut self, trm: &Transform, width: f64, _spacing: f64, font_size: f64, ch: &str) -> Result<(), OutputError> {
            // Same effective size as pdf-extract's PlainTextOutput.
            let vx = font_size * trm.m11 + font_size * trm.m21;
            let vy = font_size * trm.m12 + font_size * trm.m22;
            let size = (vx * vy).abs().sqrt();
            let (x, y) = (trm.m31, trm.m32);
            if !self.cur.is_empty() && ((y - self.cur_y).abs() > size * 0.5 || (size - self.cur_size).abs() > 0.1) {
                self.flush();
            }
            if self.cur.is_empty() {
                self.cur_x = x;
                self.cur_y = y;
                self.cur_size = size;
            }
            self.cur.push_str(ch);
            self.cur_right = x + width * size;
            self.chars += ch.chars().count();
            Ok(())
        }
        fn begin_word(&mut self) -> Result<(), OutputError> {
            Ok(())
        }
        fn end_word(&mut self) -> Result<(), OutputError> {
            Ok(())
        }
        fn end_line(&mut self) -> Result<(), OutputError> {
            self.flush();
            Ok(())
        }
    }

    pub fn run(data: &[u8]) -> R {
        // 1. The crate's own per-page plain text.
        let t = Instant::now();
        let texts = pdf_extract::extract_text_from_mem_by_pages(data).map_err(|e| (format!("by_pages: {e} [{e:?}]"), None))?;
        let plain_ms = t.elapsed().as_secs_f64() * 1000.0;
        // 2. Custom OutputDev, page by page (for per-page time and positioned chars).
        let t = Instant::now();
        let mut doc = pdf_extract::Document::load_mem(data).map_err(|e| (format!("load_mem: {e} [{e:?}]"), None))?;
        let enc = doc.is_encrypted();
        if enc {
            doc.decrypt("").map_err(|e| (format!("decrypt(\"\"): {e} [{e:?}]"), Some(true)))?;
        }
        let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
        let mut o = Out { pages: pages.len(), encrypted: Some(enc), ..Default::default() };
        let mut dev = Collect::default();
        for p in &pages {
            let tp = Instant::now();
            if let Err(e) = pdf_extract::output_doc_page(&doc, &mut dev, *p) {
                o.page_errors.push(format!("page {p}: {e}"));
            }
            o.page_ms.push(tp.elapsed().as_secs_f64() * 1000.0);
        }
        let dev_ms = t.elapsed().as_secs_f64() * 1000.0;
        o.span_count = dev.runs.len();
        o.spans = dev.runs;
        o.extra.insert("plain_ms".into(), json!(plain_ms));
        o.extra.insert("span_ms".into(), json!(dev_ms));
        o.extra.insert("dev_chars".into(), json!(dev.chars));
        o.extra.insert("by_pages_len".into(), json!(texts.len()));
        o.texts = texts;
        Ok(o)
    }
}

#[cfg(feature = "lopdf")]
mod lopdf_only {
    use super::*;
    use lopdf047 as lopdf;

    pub fn run(data: &[u8]) -> R {
        let doc = lopdf::Document::load_mem(data).map_err(|e| (format!("load_mem: {e} [{e:?}]"), None))?;
        let enc = doc.was_encrypted() || doc.is_encrypted();
        let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
        let mut o = Out { pages: pages.len(), encrypted: Some(enc), ..Default::default() };
        for p in &pages {
            let t = Instant::now();
            match doc.extract_text(&[*p]) {
                Ok(s) => o.texts.push(s),
                Err(e) => {
                    o.page_errors.push(format!("page {p}: {e}"));
                    o.texts.push(String::new());
                }
            }
            o.page_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        Ok(o)
    }
}
