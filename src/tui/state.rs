//! The viewer's state and everything keys do to it. Pure: no terminal, no threads, so the
//! tests drive it with key events and render it into a test backend.

use std::time::{Duration, Instant};

use ofscope_dissectors::tree::{Kind, Tree};
use ratatui::crossterm::event::{KeyEvent, KeyEventKind, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};

use crate::analysis::{self, Analyzer, FastMap};
use crate::cli::TimeFormat;
use crate::filter::{Channel, Context, Filter};
use crate::session::SessionEvent;
use crate::stream::{ConnId, StreamEvent};

use super::index::Feed;
use super::keymap::{self, Action};
use super::prompt::{History, Outcome, Prompt, PromptKind};
use super::render::{TabSpec, TABS};
use super::sort::{self, Column, Sort};
use super::store::Store;
use super::{export, search};

/// A tab: its row in [`TABS`], whose order its number key follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tab(usize);

impl Tab {
    /// The first tab: where the viewer opens and where a jump to a message lands.
    pub const MESSAGES: Tab = Tab(0);

    /// Every tab, in [`TABS`] order.
    pub fn all() -> impl Iterator<Item = Tab> {
        (0..TABS.len()).map(Tab)
    }

    /// Position in [`TABS`].
    pub fn index(self) -> usize {
        self.0
    }

    pub fn spec(self) -> &'static TabSpec {
        // A `Tab` is only made from a position in `TABS`.
        &TABS[self.0]
    }
}

/// The panes of the Messages tab, in Tab-key order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    List,
    Detail,
    Hex,
}

impl Pane {
    fn next(self) -> Pane {
        match self {
            Pane::List => Pane::Detail,
            Pane::Detail => Pane::Hex,
            Pane::Hex => Pane::List,
        }
    }

    fn previous(self) -> Pane {
        self.next().next()
    }
}

/// A filter in force: the messages it matched among the first `scanned`. It selects the
/// rows of the list only: the analysis tabs always show the whole session, for an analysis
/// of some messages alone is false (a PacketIn without its answer looks unanswered).
pub struct Applied {
    pub filter: Filter,
    /// Store positions of the matching messages, ascending.
    pub matches: Vec<usize>,
    pub scanned: usize,
}

/// The analysis settings of the viewer: the charts need every PacketIn/answer pair.
fn new_analyzer() -> Analyzer {
    Analyzer::new(analysis::Config {
        keep_pairs: true,
        ..analysis::Config::default()
    })
}

/// How far the input has been read.
#[derive(Debug, Default)]
pub struct Progress {
    pub done: u64,
    /// Capture size in bytes; 0 when unknown (gzip, live).
    pub total: u64,
    pub finished: bool,
    pub warnings: Vec<String>,
    /// What the source last said about itself ([`Feed::Status`]).
    pub status: Option<String>,
    /// Why the capture held no OpenFlow message ([`Feed::NoMessages`]).
    pub no_messages: Option<String>,
}

/// The selected message's field tree and where the user is in it.
#[derive(Debug)]
pub struct Detail {
    /// Store position of the message shown.
    pub row: usize,
    pub tree: Tree,
    /// Per field: whether its children are hidden.
    pub collapsed: Vec<bool>,
    /// The field under the cursor (index into `tree.fields`).
    pub cursor: usize,
    /// First visible tree row shown.
    pub offset: usize,
    /// Whether the tree has been drawn yet: the first time, the cursor is placed a third
    /// down the pane so the fields after it show too.
    pub placed: bool,
    /// First hex line shown.
    pub hex_offset: usize,
}

impl Detail {
    fn has_children(&self, i: usize) -> bool {
        match (self.tree.fields.get(i), self.tree.fields.get(i + 1)) {
            (Some(f), Some(next)) => next.depth > f.depth,
            _ => false,
        }
    }

    /// Field indices not hidden under a collapsed ancestor, in order.
    pub fn visible(&self) -> Vec<usize> {
        let mut out = Vec::with_capacity(self.tree.fields.len());
        let mut hide_below: Option<u16> = None;
        for (i, field) in self.tree.fields.iter().enumerate() {
            if let Some(depth) = hide_below {
                if field.depth > depth {
                    continue;
                }
                hide_below = None;
            }
            out.push(i);
            if self.collapsed.get(i).copied().unwrap_or(false) {
                hide_below = Some(field.depth);
            }
        }
        out
    }

    pub fn is_collapsed(&self, i: usize) -> bool {
        self.has_children(i) && self.collapsed.get(i).copied().unwrap_or(false)
    }

    pub fn is_expandable(&self, i: usize) -> bool {
        self.has_children(i)
    }

    fn move_cursor(&mut self, delta: isize) {
        let visible = self.visible();
        let at = visible.iter().position(|&i| i == self.cursor).unwrap_or(0);
        let to = at
            .saturating_add_signed(delta)
            .min(visible.len().saturating_sub(1));
        if let Some(&i) = visible.get(to) {
            self.cursor = i;
        }
    }

    fn cursor_to_end(&mut self, last: bool) {
        let visible = self.visible();
        let target = if last {
            visible.last()
        } else {
            visible.first()
        };
        if let Some(&i) = target {
            self.cursor = i;
        }
    }

    fn set_collapsed(&mut self, collapse: bool) {
        if !self.has_children(self.cursor) {
            // Collapsing a leaf folds its parent, as in Wireshark.
            if collapse {
                if let Some(parent) = self.parent(self.cursor) {
                    self.cursor = parent;
                    self.set_collapsed(true);
                }
            }
            return;
        }
        if let Some(c) = self.collapsed.get_mut(self.cursor) {
            *c = collapse;
        }
    }

    fn toggle(&mut self) {
        let collapse = !self.is_collapsed(self.cursor);
        if self.has_children(self.cursor) {
            self.set_collapsed(collapse);
        }
    }

    fn parent(&self, i: usize) -> Option<usize> {
        let depth = self.tree.fields.get(i)?.depth;
        (0..i).rev().find(|&p| self.tree.fields[p].depth < depth)
    }

    /// Collapses or expands every group.
    fn set_all(&mut self, collapse: bool) {
        for c in &mut self.collapsed {
            *c = collapse;
        }
        if collapse {
            while let Some(p) = self.parent(self.cursor) {
                self.cursor = p;
            }
        }
    }
}

/// Where the Messages tab's panes were last drawn (their rows, without frames or headers),
/// for paging and the mouse.
#[derive(Debug, Clone, Copy, Default)]
pub struct PaneRects {
    pub list: Rect,
    pub detail: Rect,
    pub hex: Rect,
}

impl PaneRects {
    fn at(&self, column: u16, row: u16) -> Option<Pane> {
        let position = Position::new(column, row);
        [
            (self.list, Pane::List),
            (self.detail, Pane::Detail),
            (self.hex, Pane::Hex),
        ]
        .into_iter()
        .find(|(rect, _)| rect.contains(position))
        .map(|(_, pane)| pane)
    }
}

pub struct App {
    /// What is being viewed: the file name, or the interface when live.
    pub title: String,
    pub store: Store,
    /// Each connection's two ends: the switch's address is shown for switches with no
    /// datapath id yet, and the filter reads both.
    pub channels: FastMap<ConnId, Channel>,
    /// Stream problems (gaps, retransmissions, ...) seen so far.
    pub stream_events: Vec<StreamEvent>,
    /// The analysis of every message, whatever the filter.
    pub analysis: Analyzer,
    /// How times are shown (`-t`).
    pub time: TimeFormat,
    /// The timestamp of the capture's first frame, whatever its protocol: relative times
    /// count from it. `None` until the source says ([`Feed::Origin`]).
    pub origin_ns: Option<u64>,
    pub progress: Progress,
    pub applied: Option<Applied>,
    /// The prompt at the bottom (filter, search, go to frame, export), while open.
    pub bar: Option<Prompt>,
    /// What was entered in each prompt.
    pub history: History,
    /// What the last command has to say (a search not found, a file written); the next
    /// key clears it.
    pub notice: Option<String>,
    /// The text searched for, lowercase, once Ctrl-F has been used.
    pub search: Option<String>,
    /// The search under way, while it goes through a large list.
    pub searching: Option<search::Run>,
    /// Store position of the message relative times count from (`t`), when not the
    /// capture's first frame.
    pub time_reference: Option<usize>,
    /// Columns the lists are scrolled sideways by (`←`/`→` out of the tree).
    pub sideways: usize,
    /// Long lines of the lists wrap instead of being cut (`W`).
    pub wrap: bool,
    /// The capture file and how it was read, for `w` to read it again; `None` when live.
    pub source: Option<export::Source>,
    /// The list's order when it is not capture order (`s`, `S`).
    pub sort: Option<Sort>,
    /// Position of the selected message in the shown list.
    pub selected: usize,
    /// First shown list position on screen.
    pub list_offset: usize,
    /// Stick to the newest message as messages arrive, until the user moves.
    pub follow: bool,
    pub tab: Tab,
    pub focus: Pane,
    /// The focused pane fills the tab.
    pub maximised: bool,
    pub help: bool,
    pub quit: bool,
    pub panes: PaneRects,
    /// The list position drawn on each line of the message list (a wrapped row takes
    /// several), for clicks.
    pub list_lines: Vec<usize>,
    /// The cursor position in each of the other tabs' lists.
    pub tab_cursor: [usize; TABS.len()],
    detail: Option<Detail>,
    scratch: Tree,
}

/// Columns a list moves sideways per key: a quarter of a narrow terminal.
const SIDEWAYS_STEP: usize = 20;

/// How long one call to [`App::work`] may spend filtering, so keys stay responsive.
pub const WORK_SLICE: Duration = Duration::from_millis(25);

impl App {
    pub fn new(title: impl Into<String>, follow: bool) -> App {
        App {
            title: title.into(),
            store: Store::default(),
            channels: FastMap::default(),
            stream_events: Vec::new(),
            analysis: new_analyzer(),
            time: TimeFormat::Relative,
            origin_ns: None,
            progress: Progress::default(),
            applied: None,
            bar: None,
            history: History::default(),
            notice: None,
            search: None,
            searching: None,
            time_reference: None,
            sideways: 0,
            wrap: false,
            source: None,
            sort: None,
            selected: 0,
            list_offset: 0,
            follow,
            tab: Tab::MESSAGES,
            focus: Pane::List,
            maximised: false,
            help: false,
            quit: false,
            panes: PaneRects::default(),
            list_lines: Vec::new(),
            tab_cursor: [0; TABS.len()],
            detail: None,
            scratch: Tree::new(),
        }
    }

    /// Takes in what the indexer or the live capture sends.
    pub fn feed(&mut self, feed: Feed) {
        match feed {
            Feed::Events(events) => {
                for event in events {
                    self.event(event);
                }
                if self.follow {
                    self.selected = self.shown_len().saturating_sub(1);
                }
            }
            Feed::Progress { done, total } => {
                self.progress.done = done;
                self.progress.total = total;
            }
            Feed::Origin(ns) => {
                self.origin_ns = Some(ns);
                self.analysis.set_origin(ns);
            }
            Feed::Warning(warning) => self.progress.warnings.push(warning),
            Feed::Status(status) => self.progress.status = Some(status),
            Feed::NoMessages(why) => self.progress.no_messages = Some(why),
            Feed::Finished => {
                if !self.progress.finished {
                    self.progress.finished = true;
                    self.analysis.finish();
                }
            }
        }
    }

    fn event(&mut self, event: SessionEvent) {
        self.analysis.feed(&event);
        match event {
            SessionEvent::Record(record) => self.store.push(&record),
            SessionEvent::Stream(StreamEvent::ConnOpened {
                conn,
                switch,
                controller,
                via,
                ..
            }) => {
                let channel = Channel {
                    switch,
                    controller,
                    via,
                };
                self.channels.insert(conn, channel);
            }
            SessionEvent::Stream(StreamEvent::Message(_)) => {}
            SessionEvent::Stream(other) => self.stream_events.push(other),
        }
    }

    /// Filters messages not yet examined and goes on with a search, each for at most
    /// `budget` (a large file takes several calls), then sorts the new messages into a
    /// sorted list. Returns whether it examined any.
    pub fn work(&mut self, budget: Duration) -> bool {
        let filtered = self.filter_more(budget);
        let searched = self.search_more(budget);
        let sorted = self.sort_more();
        filtered || searched || sorted
    }

    /// Merges the messages the list gained (loaded, captured, matched) into its sorted
    /// order, the selection staying on its message and on its line of the screen. Not
    /// while a search goes through the list: its positions would move under it.
    fn sort_more(&mut self) -> bool {
        if self.searching.is_some() {
            return false;
        }
        let selected = self.selected_row();
        let Some(sort) = &mut self.sort else {
            return false;
        };
        let taken = sort.taken();
        let new: Vec<usize> = match &self.applied {
            Some(applied) => applied.matches.get(taken..).unwrap_or_default().to_vec(),
            None => (taken..self.store.len()).collect(),
        };
        if new.is_empty() {
            return false;
        }
        sort.take_in(new, &self.store, &self.channels);
        self.keep_selected(selected);
        true
    }

    /// Selects store position `row` again after the list changed order, on the same line
    /// of the screen.
    fn keep_selected(&mut self, row: Option<usize>) {
        let Some(position) = row.and_then(|row| self.position_of(row)) else {
            return;
        };
        let line = self.selected.saturating_sub(self.list_offset);
        self.selected = position;
        self.list_offset = position.saturating_sub(line);
    }

    /// `s` (the next column) and `S` (the other way): the list sorted, the selection kept
    /// on its message. No. ascending is capture order.
    fn sort_by(&mut self, next_column: bool) {
        let key = self.sort.as_ref().map_or(
            sort::Key {
                column: Column::No,
                descending: false,
            },
            |sort| sort.key,
        );
        let key = if next_column {
            sort::Key {
                column: key.column.next(),
                descending: false,
            }
        } else {
            sort::Key {
                descending: !key.descending,
                ..key
            }
        };
        let selected = self.selected_row();
        // Positions change: a search under way would land on another message.
        self.searching = None;
        let capture_order = key.column == Column::No && !key.descending;
        self.sort = (!capture_order).then(|| Sort::new(key));
        self.sort_more();
        self.keep_selected(selected);
        let mut notice = if capture_order {
            "in capture order (No. ▲)".to_string()
        } else {
            format!(
                "sorted by {} {}; s: next column, S: the other way",
                key.column.title(),
                key.arrow()
            )
        };
        if self.follow {
            self.follow = false;
            notice.push_str("; F follows the newest message again, in capture order");
        }
        self.notice = Some(notice);
    }

    fn filter_more(&mut self, budget: Duration) -> bool {
        let Some(applied) = &mut self.applied else {
            return false;
        };
        let start = Instant::now();
        let before = applied.matches.len();
        let scanned_before = applied.scanned;
        while applied.scanned < self.store.len() {
            let i = applied.scanned;
            self.scratch.fields.clear();
            self.store.message(i).build_tree(&mut self.scratch);
            let Some(row) = self.store.row(i) else { break };
            let context = Context {
                frame: row.frame,
                ts_ns: row.ts_ns,
                origin_ns: self.origin_ns.unwrap_or(row.ts_ns),
                conn: row.conn,
                dpid: row.dpid,
                from_switch: row.direction == crate::stream::Direction::SwitchToController,
                channel: self.channels.get(&row.conn),
            };
            if applied
                .filter
                .matches(&context, &self.scratch, self.store.bytes(i))
            {
                applied.matches.push(i);
            }
            applied.scanned += 1;
            if applied.scanned % 512 == 0 && start.elapsed() >= budget {
                break;
            }
        }
        if self.follow && applied.matches.len() != before {
            self.selected = applied.matches.len().saturating_sub(1);
        }
        applied.scanned > scanned_before
    }

    /// Does all pending filtering (tests, and the end of a pipe).
    pub fn settle(&mut self) {
        while self.work(Duration::from_secs(3600)) {}
    }

    /// Messages in the list: all of them, or those the filter matched so far (those
    /// sorted into it so far, when it is sorted).
    pub fn shown_len(&self) -> usize {
        match (&self.sort, &self.applied) {
            (Some(sort), _) => sort.shown(),
            (None, Some(a)) => a.matches.len(),
            (None, None) => self.store.len(),
        }
    }

    /// The store position of list position `pos`.
    pub fn shown_row(&self, pos: usize) -> Option<usize> {
        match (&self.sort, &self.applied) {
            (Some(sort), _) => sort.get(pos),
            (None, Some(a)) => a.matches.get(pos).copied(),
            (None, None) => (pos < self.store.len()).then_some(pos),
        }
    }

    /// The list position of store position `row`, if the list shows it.
    pub fn position_of(&self, row: usize) -> Option<usize> {
        match (&self.sort, &self.applied) {
            (Some(sort), _) => sort.position(row, &self.store, &self.channels),
            (None, Some(a)) => a.matches.binary_search(&row).ok(),
            (None, None) => (row < self.store.len()).then_some(row),
        }
    }

    /// The shown message before store position `row` in capture order, whatever the sort:
    /// what `-t d` counts from.
    pub fn shown_before(&self, row: usize) -> Option<usize> {
        match &self.applied {
            Some(a) => {
                let at = a.matches.binary_search(&row).unwrap_or_else(|at| at);
                a.matches.get(at.checked_sub(1)?).copied()
            }
            None => row.checked_sub(1),
        }
    }

    pub fn selected_row(&self) -> Option<usize> {
        self.shown_row(self.selected)
    }

    /// The frame that completed message `index` (1-based, as the analysis numbers them).
    pub fn frame_of_message(&self, index: u64) -> Option<u64> {
        let row = self
            .store
            .row(usize::try_from(index.checked_sub(1)?).ok()?)?;
        (row.index == index).then_some(row.frame)
    }

    /// The analysis the tabs show: of the whole session, whatever the filter.
    pub fn analysis(&self) -> &Analyzer {
        &self.analysis
    }

    /// What relative times count from: the capture's first frame, or while it is not
    /// known, the first message. The Latency chart's axis counts from here too.
    pub fn origin_ns(&self) -> u64 {
        self.origin_ns
            .or_else(|| self.store.row(0).map(|r| r.ts_ns))
            .unwrap_or(0)
    }

    /// What the relative times shown count from: the message marked with `t`, else the
    /// capture's first frame.
    pub fn reference_ns(&self) -> u64 {
        self.time_reference
            .and_then(|i| self.store.row(i))
            .map_or_else(|| self.origin_ns(), |row| row.ts_ns)
    }

    /// Shows the message completed by `frame` in the Messages tab, or the next one after it,
    /// dropping a filter that hides it. Returns what the user should be told: that another
    /// frame is shown, that the filter was dropped, or that there is no message that late.
    pub fn jump_to_frame(&mut self, frame: u64) -> Option<String> {
        let Some(row) = self.store.rows().iter().position(|r| r.frame >= frame) else {
            let last = self.store.rows().last().map_or_else(
                || "there is no message yet".to_string(),
                |r| format!("the last message is in frame {}", r.frame),
            );
            return Some(format!("no message in frame {frame} or after it; {last}"));
        };
        // The selection goes to the frame: a search under way would take it elsewhere.
        self.searching = None;
        self.sort_more();
        let mut said = Vec::new();
        let found = self.store.rows()[row].frame;
        if found != frame {
            said.push(format!(
                "frame {frame} has no OpenFlow message; showing frame {found}, the next one"
            ));
        }
        let position = self.position_of(row).or_else(|| {
            said.push("the filter hid it and is cleared".into());
            self.set_filter(None);
            self.position_of(row)
        });
        let Some(position) = position else {
            return Some(said.join("; "));
        };
        self.selected = position;
        self.follow = false;
        self.tab = Tab::MESSAGES;
        self.focus = Pane::List;
        (!said.is_empty()).then(|| said.join("; "))
    }

    /// The selected message's tree, decoded now if the selection changed.
    pub fn detail(&mut self) -> Option<&mut Detail> {
        let row = self.selected_row()?;
        if self.detail.as_ref().is_none_or(|d| d.row != row) {
            let mut tree = Tree::new();
            self.store.message(row).build_tree(&mut tree);
            // The tree opens on what was searched for, else on what the filter names.
            let cursor = self
                .search
                .as_deref()
                .and_then(|text| search::first_matching_field(&tree, text))
                .or_else(|| {
                    let filter = self.applied.as_ref()?.filter.as_str();
                    first_named_field(&tree, filter)
                })
                .unwrap_or(0);
            self.detail = Some(Detail {
                row,
                collapsed: vec![false; tree.fields.len()],
                tree,
                cursor,
                offset: 0,
                placed: false,
                hex_offset: 0,
            });
        }
        self.detail.as_mut()
    }

    /// Where the filter stands, for the status bar: `None` when no filter is in force.
    pub fn filter_text(&self) -> Option<&str> {
        self.applied.as_ref().map(|a| a.filter.as_str())
    }

    pub fn on_key(&mut self, key: KeyEvent) {
        if key.kind == KeyEventKind::Release {
            return;
        }
        let action = keymap::action(&key);
        if action == Some(Action::Interrupt) {
            self.quit = true;
            return;
        }
        self.notice = None;
        if let Some(bar) = &mut self.bar {
            match bar.on_key(key, &self.history) {
                Outcome::Open => {}
                Outcome::Cancelled => self.bar = None,
                Outcome::Entered(kind, text) => {
                    self.bar = None;
                    self.history.push(kind, &text);
                    self.entered(kind, &text);
                }
            }
            return;
        }
        if self.help {
            // Any key closes the help; q still quits.
            self.help = false;
            self.quit = action == Some(Action::Quit);
            return;
        }
        let Some(action) = action else { return };
        match action {
            Action::Quit | Action::Back | Action::Interrupt => self.quit = true,
            Action::Help => self.help = true,
            Action::Filter => self.bar = Some(Prompt::new(PromptKind::Filter)),
            Action::Search => self.bar = Some(Prompt::new(PromptKind::Search)),
            Action::GoToFrame => self.bar = Some(Prompt::new(PromptKind::GoTo)),
            Action::Export => self.bar = Some(Prompt::new(PromptKind::Export)),
            Action::NextMatch => self.find(true),
            Action::PreviousMatch => self.find(false),
            Action::TimeReference => self.toggle_time_reference(),
            Action::TimeFormat => self.next_time_format(),
            Action::Sort => self.sort_by(true),
            Action::ReverseSort => self.sort_by(false),
            Action::ShowTab => {
                if let Some(n) = keymap::tab_number(key.code) {
                    self.tab = Tab(n);
                }
            }
            Action::NextPane => self.focus = self.focus.next(),
            Action::PreviousPane => self.focus = self.focus.previous(),
            Action::Maximise => self.maximised = !self.maximised,
            Action::Wrap => self.wrap = !self.wrap,
            Action::Follow => {
                if self.sort.take().is_some() {
                    // The newest message is at the bottom in capture order only.
                    self.notice = Some("following the newest message, in capture order".into());
                }
                self.follow = true;
                self.selected = self.shown_len().saturating_sub(1);
            }
            Action::Down => self.step(1),
            Action::Up => self.step(-1),
            Action::PageDown => self.step(self.page() as isize),
            Action::PageUp => self.step(-(self.page() as isize)),
            Action::First => self.step(isize::MIN),
            Action::Last => self.step(isize::MAX),
            Action::Enter => {
                if let Some(enter) = self.tab.spec().enter {
                    enter(self);
                }
            }
            Action::Right => self.right_or_left(true),
            Action::Left => self.right_or_left(false),
            Action::ExpandAll => self.expand_all(false),
            Action::CollapseAll => self.expand_all(true),
            Action::Mouse | Action::PromptKeys => {}
        }
    }

    /// Enter in a prompt.
    fn entered(&mut self, kind: PromptKind, text: &str) {
        match kind {
            PromptKind::Filter => {
                // The prompt only hands over a filter that parses.
                let filter = (!text.is_empty()).then(|| Filter::parse(text).ok()).flatten();
                self.set_filter(filter);
            }
            PromptKind::Search if text.is_empty() => self.search = None,
            PromptKind::Search => {
                self.search = Some(text.to_lowercase());
                self.find(true);
            }
            PromptKind::GoTo => match text.trim_start_matches('#').parse::<u64>() {
                Ok(frame) => self.notice = self.jump_to_frame(frame),
                Err(_) => {
                    self.notice = Some(format!(
                        "not a frame number: '{text}'; type the frame's number, as the No. column shows it"
                    ))
                }
            },
            PromptKind::Export => {
                self.notice = Some(match export::write(self, text) {
                    Ok(done) => done,
                    Err(err) => format!("{err:#}"),
                })
            }
        }
    }

    /// `n` / `N`: the next or previous shown message whose Info or tree holds the text
    /// searched for, from the selected one, round the end; says so when there is none.
    fn find(&mut self, forward: bool) {
        let Some(text) = self.search.clone() else {
            self.notice = Some("nothing searched for yet: Ctrl-F searches".into());
            return;
        };
        self.searching = Some(search::Run::new(text, forward, self.selected));
        self.search_more(WORK_SLICE);
    }

    /// Goes on with the search under way for at most `budget`; the bottom line says how
    /// far it is, then what it found. Returns whether there was a search to go on with.
    fn search_more(&mut self, budget: Duration) -> bool {
        let Some(mut run) = self.searching.take() else {
            return false;
        };
        match run.advance(self, budget) {
            search::Progress::Going => {
                let percent = run.percent(self.shown_len());
                self.notice = Some(format!("searching for '{}': {percent}%", run.text));
                self.searching = Some(run);
            }
            search::Progress::Found(found) => {
                self.selected = found.position;
                self.follow = false;
                self.tab = Tab::MESSAGES;
                self.detail = None;
                self.notice = found.wrapped.then(|| {
                    let end = if run.forward { "top" } else { "bottom" };
                    format!("search went on from the {end}")
                });
            }
            search::Progress::NotFound => {
                self.notice = Some(format!("not found: '{}'", run.text));
            }
        }
        true
    }

    /// `t`: relative times count from the selected message, or, on the one marked, again
    /// from the capture's first frame.
    fn toggle_time_reference(&mut self) {
        let Some(row) = self.selected_row() else {
            return;
        };
        if self.time_reference == Some(row) {
            self.time_reference = None;
            self.notice = Some("times count from the first frame again".into());
            return;
        }
        self.time_reference = Some(row);
        let frame = self.store.row(row).map_or(0, |r| r.frame);
        let mut notice = format!("times count from frame {frame} (*REF*); t on it again undoes");
        if self.time != TimeFormat::Relative {
            self.time = TimeFormat::Relative;
            notice.push_str("; shown as -t r");
        }
        self.notice = Some(notice);
    }

    /// `T`: the next of `-t`'s formats, in the order `--help` lists them.
    fn next_time_format(&mut self) {
        use clap::ValueEnum;
        let formats = TimeFormat::value_variants();
        let at = formats.iter().position(|f| *f == self.time).unwrap_or(0);
        self.time = formats[(at + 1) % formats.len()];
        if let Some(value) = self.time.to_possible_value() {
            let help = value
                .get_help()
                .map(|h| format!(": {h}"))
                .unwrap_or_default();
            self.notice = Some(format!("times as -t {}{help}", value.get_name()));
        }
    }

    /// The wheel scrolls the pane under the pointer; a click focuses a pane and selects
    /// the row clicked.
    pub fn on_mouse(&mut self, mouse: MouseEvent) {
        if self.bar.is_some() || self.help {
            return;
        }
        let pane = if self.tab == Tab::MESSAGES {
            self.panes.at(mouse.column, mouse.row)
        } else {
            None
        };
        match mouse.kind {
            MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
                if let Some(pane) = pane {
                    self.focus = pane;
                }
                let delta = if mouse.kind == MouseEventKind::ScrollDown {
                    3
                } else {
                    -3
                };
                self.step(delta);
            }
            MouseEventKind::Down(MouseButton::Left) => {
                let Some(pane) = pane else { return };
                self.focus = pane;
                self.click(pane, mouse.row);
            }
            _ => {}
        }
    }

    fn click(&mut self, pane: Pane, row: u16) {
        match pane {
            Pane::List => {
                let line = usize::from(row - self.panes.list.y);
                if let Some(&at) = self.list_lines.get(line) {
                    self.selected = at;
                    self.follow = false;
                }
            }
            Pane::Detail => {
                let row = usize::from(row - self.panes.detail.y);
                if let Some(detail) = self.detail() {
                    if let Some(&field) = detail.visible().get(detail.offset + row) {
                        detail.cursor = field;
                    }
                }
            }
            Pane::Hex => {}
        }
    }

    /// Puts a filter in force (or none); the list starts again from the top.
    pub fn set_filter(&mut self, filter: Option<Filter>) {
        self.applied = filter.map(|filter| Applied {
            filter,
            matches: Vec::new(),
            scanned: 0,
        });
        self.selected = 0;
        self.list_offset = 0;
        self.detail = None;
        // Positions in the list change: a search under way would land on another message.
        self.searching = None;
        // The sort keeps its column and takes in the new list.
        if let Some(sort) = &mut self.sort {
            sort.clear();
        }
        self.sort_more();
    }

    fn page(&self) -> usize {
        let rect = match (self.tab, self.focus) {
            (Tab::MESSAGES, Pane::Detail) => self.panes.detail,
            (Tab::MESSAGES, Pane::Hex) => self.panes.hex,
            _ => self.panes.list,
        };
        usize::from(rect.height).saturating_sub(1).max(1)
    }

    /// Moves within the focused pane by `delta` rows (saturating at the ends).
    fn step(&mut self, delta: isize) {
        match (self.tab, self.focus) {
            (Tab::MESSAGES, Pane::List) => {
                let last = self.shown_len().saturating_sub(1);
                self.selected = self.selected.saturating_add_signed(delta).min(last);
                self.follow = false;
            }
            (Tab::MESSAGES, Pane::Detail) => {
                if let Some(detail) = self.detail() {
                    match delta {
                        isize::MIN => detail.cursor_to_end(false),
                        isize::MAX => detail.cursor_to_end(true),
                        _ => detail.move_cursor(delta),
                    }
                }
            }
            (Tab::MESSAGES, Pane::Hex) => {
                if let Some(detail) = self.detail() {
                    detail.hex_offset = detail.hex_offset.saturating_add_signed(delta);
                }
            }
            _ => {
                let cursor = self.tab_cursor_mut();
                *cursor = cursor.saturating_add_signed(delta);
            }
        }
    }

    /// The cursor in the list of the tab shown (other than Messages).
    pub fn tab_cursor(&self) -> usize {
        self.tab_cursor[self.tab.0]
    }

    pub fn tab_cursor_mut(&mut self) -> &mut usize {
        &mut self.tab_cursor[self.tab.0]
    }

    /// Enter on the Messages tab: from the list to the tree; in the tree, fold or unfold.
    pub fn enter_messages(&mut self) {
        match self.focus {
            Pane::List => self.focus = Pane::Detail,
            Pane::Detail => {
                if let Some(detail) = self.detail() {
                    detail.toggle();
                }
            }
            Pane::Hex => {}
        }
    }

    /// In the tree, expands (`right`) or collapses the field; in a list, scrolls it
    /// sideways (the panes drawing it keep it within the longest line).
    fn right_or_left(&mut self, right: bool) {
        if (self.tab, self.focus) == (Tab::MESSAGES, Pane::Detail) {
            if let Some(detail) = self.detail() {
                detail.set_collapsed(!right);
            }
        } else if right {
            self.sideways = self.sideways.saturating_add(SIDEWAYS_STEP);
        } else {
            self.sideways = self.sideways.saturating_sub(SIDEWAYS_STEP);
        }
    }

    fn expand_all(&mut self, collapse: bool) {
        if (self.tab, self.focus) == (Tab::MESSAGES, Pane::Detail) {
            if let Some(detail) = self.detail() {
                detail.set_all(collapse);
            }
        }
    }
}

/// The first leaf whose key the filter names, so the tree opens on what was searched for.
fn first_named_field(tree: &Tree, expression: &str) -> Option<usize> {
    tree.fields
        .iter()
        .position(|f| f.kind() == Kind::Leaf && names_key(expression, f.key()))
}

/// Whether `key` occurs in `expression` as a whole field name.
fn names_key(expression: &str, key: &str) -> bool {
    let part_of_name = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.';
    expression.match_indices(key).any(|(at, _)| {
        let before = expression[..at].chars().next_back();
        let after = expression[at + key.len()..].chars().next();
        !before.is_some_and(part_of_name) && !after.is_some_and(part_of_name)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_key_needs_whole_names() {
        assert!(names_key("arp && vlan.id == 10", "vlan.id"));
        assert!(!names_key("arp && vlan.idx == 10", "vlan.id"));
        assert!(!names_key("xvlan.id == 1", "vlan.id"));
        assert!(!names_key("arp.op == 1", "arp"));
    }
}
