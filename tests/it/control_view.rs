//! On a terminal, `ofscope control` opens the viewer and follows the session, as `live`
//! does: driven for real in tmux, asserted on what the pane shows; `q` ends the session
//! with its summary.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::{installed, temp_dir};
use crate::control_support::{packet_in, Switch, PATIENCE};

/// Runs tmux on a server of this test's own.
fn tmux(socket: &str, args: &[&str]) -> String {
    let o = Command::new("tmux")
        .args(["-L", socket])
        .args(args)
        .output()
        .expect("run tmux");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn on_a_terminal_the_viewer_follows_the_session() {
    assert!(
        installed("tmux"),
        "this test needs tmux (apt-get install tmux)"
    );
    let dir = temp_dir("control-view");
    let err = dir.join("stderr");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let socket = format!("ofscope-control-view-{}", std::process::id());
    let command = format!(
        "{} control --app learning:variant=pox --listen 127.0.0.1:{port} 2>{}",
        env!("CARGO_BIN_EXE_ofscope"),
        err.display()
    );
    tmux(
        &socket,
        &["new-session", "-d", "-x", "160", "-y", "40", &command],
    );
    let addr = ([127, 0, 0, 1], port).into();
    let deadline = Instant::now() + PATIENCE;
    while std::net::TcpStream::connect(addr).is_err() {
        assert!(Instant::now() < deadline, "control did not listen");
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut switch = Switch::handshake_at(addr, 5);
    switch.send(packet_in(1, 2));
    switch.echo();
    let shown = |pane: &str| {
        pane.contains("1 Messages")
            && pane.contains("4 Switches")
            && pane.contains("PACKET_IN")
            && pane.contains("PACKET_OUT")
            && pane.contains("00:00:00:00:00:00:00:05")
    };
    let deadline = Instant::now() + PATIENCE;
    let mut pane = String::new();
    while !shown(&pane) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
        pane = tmux(&socket, &["capture-pane", "-p"]);
    }
    tmux(&socket, &["send-keys", "q"]);
    let deadline = Instant::now() + PATIENCE;
    while tmux(&socket, &["list-sessions"]).contains("windows") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let still_running = tmux(&socket, &["list-sessions"]).contains("windows");
    tmux(&socket, &["kill-server"]);
    assert!(shown(&pane), "the viewer did not show the session:\n{pane}");
    assert!(!still_running, "q did not end control");
    let said = std::fs::read_to_string(&err).unwrap_or_default();
    assert!(said.contains("control: 1 switches"), "{said}");
    std::fs::remove_dir_all(dir).ok();
}
