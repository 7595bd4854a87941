//! The server answers its health endpoint with security headers, on a real socket.

use casewindow_app::App;
use casewindow_testkit::{Engine, TestDb};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

async fn get(addr: std::net::SocketAddr, path: &str) -> String {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("read");
    response
}

casewindow_testkit::each_engine!(health_reports_the_database_and_sets_security_headers);
async fn health_reports_the_database_and_sets_security_headers(engine: Engine) {
    let db = TestDb::new(engine).await.expect("database");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    let router = casewindow_web::router(App::new(db.store.clone()));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(casewindow_web::serve(listener, router, async {
        let _ = stopped.await;
    }));

    let response = get(addr, "/health").await;
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let name = match engine {
        Engine::Sqlite => "sqlite",
        Engine::Postgres => "postgres",
    };
    assert!(
        response.contains(&format!(r#"{{"database":"{name}","status":"ok"}}"#)),
        "{response}"
    );
    assert!(
        response.to_ascii_lowercase().contains("x-request-id: "),
        "every answer names its request: {response}"
    );
    assert!(
        response
            .to_ascii_lowercase()
            .contains("x-content-type-options: nosniff"),
        "{response}"
    );
    let missing = get(addr, "/no-such-page").await;
    assert!(missing.starts_with("HTTP/1.1 404"), "{missing}");

    stop.send(()).expect("server running");
    server.await.expect("server task").expect("clean shutdown");
    db.cleanup().await.expect("cleanup");
}
