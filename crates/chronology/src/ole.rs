//! A structural check of OLE compound files (Excel 97-2003) before the spreadsheet reader sees
//! them: every sector chain the reader would follow (the directory, the mini FAT, every stream)
//! must end, stay inside the file and never come back on itself. A crafted file whose chain
//! loops would otherwise keep a reader busy, and growing, for ever.

const FREE: u32 = 0xFFFF_FFFF;
const END_OF_CHAIN: u32 = 0xFFFF_FFFE;
const MAX_REGULAR: u32 = 0xFFFF_FFFA;

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

struct File<'a> {
    bytes: &'a [u8],
    sector_size: usize,
}

impl File<'_> {
    fn sector(&self, id: u32) -> Result<&[u8], String> {
        let start = (id as usize + 1)
            .checked_mul(self.sector_size)
            .ok_or("a sector number is out of range")?;
        self.bytes
            .get(start..start + self.sector_size)
            .ok_or_else(|| format!("sector {id} points past the end of the file"))
    }

    fn words(&self, id: u32) -> Result<Vec<u32>, String> {
        Ok(self
            .sector(id)?
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect())
    }
}

/// Follows a chain through `table`, refusing loops and entries outside it; the sectors visited.
fn chain(table: &[u32], start: u32, what: &str) -> Result<Vec<u32>, String> {
    let mut seen = vec![false; table.len()];
    let mut out = Vec::new();
    let mut id = start;
    while id != END_OF_CHAIN && id != FREE {
        let index = id as usize;
        if id >= MAX_REGULAR || index >= table.len() {
            return Err(format!("the {what} chain points outside the file"));
        }
        if seen[index] {
            return Err(format!("the {what} chain loops back on itself"));
        }
        seen[index] = true;
        out.push(id);
        id = table[index];
    }
    Ok(out)
}

/// `Err` with the reason when the compound file's chains are not sound.
pub fn check(bytes: &[u8]) -> Result<(), String> {
    let header = bytes
        .get(..512)
        .ok_or("the file is shorter than its header")?;
    let shift = u16_at(header, 30).ok_or("no header")?;
    if !(7..=16).contains(&shift) {
        return Err(format!("sector size 2^{shift} is not valid"));
    }
    let file = File {
        bytes,
        sector_size: 1 << shift,
    };
    let max_sectors = bytes.len() / file.sector_size + 1;

    // The DIFAT: 109 entries in the header, then a chain of DIFAT sectors.
    let mut difat: Vec<u32> = (0..109)
        .filter_map(|i| u32_at(header, 76 + i * 4))
        .collect();
    let mut next = u32_at(header, 68).ok_or("no header")?;
    let mut hops = 0;
    while next < MAX_REGULAR {
        hops += 1;
        if hops > max_sectors {
            return Err("the DIFAT chain loops back on itself".to_owned());
        }
        let mut words = file.words(next)?;
        next = words.pop().unwrap_or(END_OF_CHAIN);
        difat.extend(words);
    }
    let mut fat = Vec::new();
    for id in difat.into_iter().filter(|id| *id < MAX_REGULAR) {
        fat.extend(file.words(id)?);
        if fat.len() > max_sectors * 2 + 1024 {
            return Err("the allocation table is larger than the file".to_owned());
        }
    }

    let dir_start = u32_at(header, 48).ok_or("no header")?;
    let directory: Vec<u8> = chain(&fat, dir_start, "directory")?
        .into_iter()
        .map(|id| file.sector(id).map(<[u8]>::to_vec))
        .collect::<Result<Vec<_>, _>>()?
        .concat();
    let cutoff = u32_at(header, 56).unwrap_or(4096) as u64;
    let mini_start = u32_at(header, 60).ok_or("no header")?;
    let mini_fat: Vec<u32> = chain(&fat, mini_start, "mini allocation table")?
        .into_iter()
        .map(|id| file.words(id))
        .collect::<Result<Vec<_>, _>>()?
        .concat();

    for entry in directory.chunks_exact(128) {
        let kind = entry[66];
        let start = u32_at(entry, 116).unwrap_or(END_OF_CHAIN);
        let size = u32_at(entry, 120).unwrap_or(0) as u64;
        match kind {
            // The root entry holds the mini stream, in the big FAT.
            5 => {
                chain(&fat, start, "mini stream")?;
            }
            2 if size >= cutoff => {
                chain(&fat, start, "stream")?;
            }
            2 if size > 0 => {
                chain(&mini_fat, start, "small stream")?;
            }
            _ => {}
        }
    }
    Ok(())
}
