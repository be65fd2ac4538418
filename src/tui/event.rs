//! The terminal and the event loop: keys, mouse and the feed of messages in, frames out.
//! The terminal is restored however the loop ends, including a panic.

use std::io::{self, Stdout};
use std::sync::mpsc::{Receiver, TryRecvError};
use std::time::{Duration, Instant};

use anyhow::Result;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{self, DisableMouseCapture, EnableMouseCapture, Event};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use ratatui::Terminal;

use super::index::Feed;
use super::render;
use super::state::{App, WORK_SLICE};

/// How long the loop may spend taking in fed messages before it looks at the keys again.
const FEED_SLICE: Duration = Duration::from_millis(30);
/// How long to wait for a key when there is nothing else to do.
const IDLE_WAIT: Duration = Duration::from_millis(50);
/// While messages pour in, the screen is redrawn at most this often (keys redraw at once):
/// drawing every batch of a large file would cost more than reading it.
const FEED_REDRAW: Duration = Duration::from_millis(100);

/// Runs the viewer until the user quits.
pub fn run_loop(app: &mut App, feed: Receiver<Feed>) -> Result<()> {
    let mut terminal = Screen::enter()?;
    let mut feed = Some(feed);
    // `touched`: the user did something, so draw now; `dirty`: new data, draw soon.
    let mut touched = true;
    let mut dirty = false;
    let mut drawn_at = Instant::now();
    while !app.quit {
        if touched || (dirty && drawn_at.elapsed() >= FEED_REDRAW) {
            terminal.0.draw(|frame| render::draw(frame, app))?;
            drawn_at = Instant::now();
            touched = false;
            dirty = false;
        }
        let fed_more = take_feed(app, &mut feed);
        let filtering = app.work(WORK_SLICE);
        dirty |= fed_more || filtering;
        let wait = if fed_more || filtering {
            Duration::ZERO
        } else if dirty {
            FEED_REDRAW.saturating_sub(drawn_at.elapsed())
        } else {
            IDLE_WAIT
        };
        if event::poll(wait)? {
            // Handle every queued event before drawing again, so held keys do not lag.
            loop {
                match event::read()? {
                    Event::Key(key) => app.on_key(key),
                    Event::Mouse(mouse) => app.on_mouse(mouse),
                    _ => {}
                }
                if app.quit || !event::poll(Duration::ZERO)? {
                    break;
                }
            }
            touched = true;
        }
    }
    Ok(())
}

/// Takes in what has arrived, for at most [`FEED_SLICE`]. Returns whether anything came.
fn take_feed(app: &mut App, feed: &mut Option<Receiver<Feed>>) -> bool {
    let Some(rx) = feed else { return false };
    let start = Instant::now();
    let mut any = false;
    while start.elapsed() < FEED_SLICE {
        match rx.try_recv() {
            Ok(item) => {
                app.feed(item);
                any = true;
            }
            Err(TryRecvError::Empty) => break,
            Err(TryRecvError::Disconnected) => {
                // The sender is gone (finished, or its thread died): nothing more comes.
                app.feed(Feed::Finished);
                *feed = None;
                return true;
            }
        }
    }
    any
}

/// The terminal in raw mode on the alternate screen with the mouse captured; dropping it
/// puts everything back.
struct Screen(Terminal<CrosstermBackend<Stdout>>);

impl Screen {
    fn enter() -> Result<Screen> {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            // Restore first, or the panic message lands on the alternate screen and is lost.
            restore();
            previous(info);
        }));
        enable_raw_mode()?;
        let mut stdout = io::stdout();
        if let Err(err) = execute!(stdout, EnterAlternateScreen, EnableMouseCapture) {
            restore();
            return Err(err.into());
        }
        match Terminal::new(CrosstermBackend::new(stdout)) {
            Ok(terminal) => Ok(Screen(terminal)),
            Err(err) => {
                restore();
                Err(err.into())
            }
        }
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        let _ = self.0.show_cursor();
        restore();
    }
}

fn restore() {
    let _ = execute!(io::stdout(), DisableMouseCapture, LeaveAlternateScreen);
    let _ = disable_raw_mode();
}
