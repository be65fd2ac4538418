//! Controller latency, for all switches or one (j/k choose): PacketIn→response over time, a
//! histogram, the jitter between consecutive answers, the responses per second
//! (throughput), and every series' percentiles (PacketIn, echo RTT, other requests). The
//! chart's time axis counts from the time reference, as the other tabs' times; the
//! percentiles' rows scroll sideways or wrap as the other lists do.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Axis, Bar, BarChart, BarGroup, Block, Chart, Dataset, GraphType, Paragraph, Sparkline,
    TableState,
};
use ratatui::Frame;

use crate::analysis::latency::{LatencyStats, Summary};
use crate::analysis::{fmt_duration, SwitchKey};
use crate::tui::state::App;

use super::{pane_block, sideways};

/// The pairs of the chosen scope and the time axis they are drawn on.
struct Series {
    points: Vec<Point>,
    /// Where the axis starts: the capture's first frame, in seconds from the reference
    /// (0, or negative when a later message is the reference).
    start: f64,
    /// The frame of the message marked as the time reference (`t`), if any.
    reference: Option<u64>,
}

pub fn draw(frame: &mut Frame, app: &mut App, area: Rect) {
    let keys: Vec<SwitchKey> = app.analysis().switches().keys().copied().collect();
    let cursor = app.tab_cursor_mut();
    *cursor = (*cursor).min(keys.len());
    // 0 is every switch, then one switch each.
    let scope = cursor.checked_sub(1).and_then(|i| keys.get(i).copied());
    let series = collect(app, scope);

    let [scope_area, chart_area, middle, table_area] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Percentage(50),
        Constraint::Percentage(25),
        Constraint::Fill(1),
    ])
    .areas(area);
    draw_scope(frame, &keys, scope, scope_area);
    draw_chart(frame, &series, chart_area);
    let [hist_area, jitter_area, responses_area] = Layout::horizontal([
        Constraint::Percentage(40),
        Constraint::Percentage(30),
        Constraint::Percentage(30),
    ])
    .areas(middle);
    draw_histogram(frame, &series, hist_area);
    draw_jitter(frame, &series, jitter_area);
    draw_responses(frame, app, scope, responses_area);
    draw_table(frame, app, scope, table_area);
}

fn collect(app: &App, scope: Option<SwitchKey>) -> Series {
    let analysis = app.analysis();
    let zero = app.reference_ns();
    let seconds = |ts_ns: u64| (i128::from(ts_ns) - i128::from(zero)) as f64 / 1e9;
    let points = analysis
        .pairs()
        .iter()
        .filter(|pair| {
            scope.is_none_or(|key| {
                // Message numbers are store positions plus one.
                let row = usize::try_from(pair.packet_in.index.saturating_sub(1))
                    .ok()
                    .and_then(|i| app.store.row(i));
                row.is_some_and(|r| match key {
                    SwitchKey::Dpid(d) => r.dpid == Some(d),
                    SwitchKey::Conn(c) => r.dpid.is_none() && r.conn.0 == c,
                })
            })
        })
        .map(|pair| (seconds(pair.packet_in.ts_ns), pair.latency_ns()))
        .collect();
    let reference = app
        .time_reference
        .and_then(|row| app.store.row(row))
        .map(|row| row.frame);
    Series {
        points,
        start: seconds(app.origin_ns()),
        reference,
    }
}

/// The switches to choose from on one line, moved sideways as far as it takes for the
/// chosen one to show.
fn draw_scope(frame: &mut Frame, keys: &[SwitchKey], scope: Option<SwitchKey>, area: Rect) {
    let chosen = Style::new().fg(Color::Black).bg(Color::Cyan);
    let mut spans = vec![Span::raw(" Switch (j/k): ")];
    let all = Span::styled(
        " all ",
        if scope.is_none() {
            chosen
        } else {
            Style::new()
        },
    );
    spans.push(all);
    for key in keys {
        let style = if scope == Some(*key) {
            chosen
        } else {
            Style::new()
        };
        spans.push(Span::styled(format!(" {key} "), style));
    }
    let chosen_end = spans
        .iter()
        .position(|span| span.style == chosen)
        .map_or(0, |at| spans[..=at].iter().map(Span::width).sum());
    let width = usize::from(area.width);
    let line = sideways::fit(
        Line::from(spans),
        width,
        chosen_end.saturating_sub(width),
        false,
    );
    frame.render_widget(Paragraph::new(line), area);
}

fn draw_chart(frame: &mut Frame, series: &Series, area: Rect) {
    let from = series
        .reference
        .map(|frame| format!("; s from frame {frame}, *REF*"))
        .unwrap_or_default();
    let block = pane_block(
        format!(
            " PacketIn → response latency over time ({} pairs{from}) ",
            series.points.len()
        ),
        true,
    );
    if series.points.is_empty() {
        frame.render_widget(Paragraph::new("no answered PacketIn").block(block), area);
        return;
    }
    // From the capture's first frame to the last pair, in seconds from the reference.
    let x_min = series.start;
    let x_max = series
        .points
        .iter()
        .map(|p| p.0)
        .fold(x_min, f64::max)
        .max(x_min + 1e-3);
    let data = thin(&series.points, [x_min, x_max], usize::from(area.width) * 2);
    let y_max = series.points.iter().map(|p| p.1).max().unwrap_or(1).max(1) as f64 / 1e6;
    let dataset = Dataset::default()
        .marker(Marker::Braille)
        .graph_type(GraphType::Scatter)
        .style(Style::new().fg(Color::Cyan))
        .data(&data);
    let x_labels = [x_min, (x_min + x_max) / 2.0, x_max].map(|x| format!("{x:.1}s"));
    let y_labels = [0.0, y_max / 2.0, y_max].map(|y| format!("{y:.2}ms"));
    let chart = Chart::new(vec![dataset])
        .block(block)
        .x_axis(
            Axis::default()
                .bounds([x_min, x_max])
                .labels(x_labels)
                .style(Style::new().fg(Color::Gray)),
        )
        .y_axis(
            Axis::default()
                .bounds([0.0, y_max])
                .labels(y_labels)
                .style(Style::new().fg(Color::Gray)),
        );
    frame.render_widget(chart, area);
}

/// A point of the chart: (s from the time reference, latency in ns).
type Point = (f64, u64);

/// At most the highest and lowest latency per screen column of the axis from `x_min` to
/// `x_max`: a million pairs draw no differently from a few thousand, and much faster.
/// Points are (s, ms).
fn thin(points: &[Point], [x_min, x_max]: [f64; 2], columns: usize) -> Vec<(f64, f64)> {
    let span = (x_max - x_min).max(1e-9);
    let columns = columns.max(1);
    let mut extremes: Vec<Option<(Point, Point)>> = vec![None; columns];
    for &p in points {
        // `as` takes a point left of the axis (none should be) to column 0.
        let column = (((p.0 - x_min) / span) * (columns - 1) as f64) as usize;
        let slot = &mut extremes[column.min(columns - 1)];
        *slot = Some(match *slot {
            None => (p, p),
            Some((lo, hi)) => (
                if p.1 < lo.1 { p } else { lo },
                if p.1 > hi.1 { p } else { hi },
            ),
        });
    }
    extremes
        .into_iter()
        .flatten()
        .flat_map(|(lo, hi)| [lo, hi])
        .map(|(t, ns)| (t, ns as f64 / 1e6))
        .collect()
}

/// Power-of-two buckets of latency, from the smallest to the largest one seen.
fn draw_histogram(frame: &mut Frame, series: &Series, area: Rect) {
    let block = pane_block(" Histogram ".into(), false);
    let mut counts = [0u64; 64];
    for &(_, ns) in &series.points {
        counts[63 - ns.max(1).leading_zeros() as usize] += 1;
    }
    let Some(low) = counts.iter().position(|&n| n > 0) else {
        frame.render_widget(block, area);
        return;
    };
    let high = counts.iter().rposition(|&n| n > 0).unwrap_or(low);
    let bar_width = 5u16;
    let fit = usize::from(block.inner(area).width / (bar_width + 1)).max(1);
    // Keep the buckets that fit, the busiest region first.
    let high = high.min(low + fit - 1);
    let bars: Vec<Bar> = (low..=high)
        .map(|b| {
            Bar::default()
                .value(counts[b])
                .label(Line::from(short_duration(1u64 << b)))
        })
        .collect();
    let chart = BarChart::default()
        .block(block)
        .bar_width(bar_width)
        .bar_gap(1)
        .bar_style(Style::new().fg(Color::Green))
        .value_style(Style::new().fg(Color::Black).bg(Color::Green))
        .data(BarGroup::default().bars(&bars));
    frame.render_widget(chart, area);
}

/// `131µ`, `2.1m`: a bucket's lower bound in five columns.
fn short_duration(ns: u64) -> String {
    match ns {
        0..=999 => format!("{ns}n"),
        1_000..=999_999 => format!("{}µ", ns / 1_000),
        1_000_000..=9_999_999 => format!("{:.1}m", ns as f64 / 1e6),
        10_000_000..=999_999_999 => format!("{}m", ns / 1_000_000),
        _ => format!("{:.0}s", ns as f64 / 1e9),
    }
}

/// |difference| between consecutive latencies, the newest at the right.
fn draw_jitter(frame: &mut Frame, series: &Series, area: Rect) {
    let deltas: Vec<u64> = series
        .points
        .windows(2)
        .map(|w| w[0].1.abs_diff(w[1].1) / 1000)
        .collect();
    let block = pane_block(" Jitter |Δ| µs ".into(), false);
    draw_peaks(frame, block, &deltas, Color::Magenta, area);
}

/// The controller's responses (PACKET_OUT, FLOW_MOD) in each second, from its first
/// response to its last.
fn draw_responses(frame: &mut Frame, app: &App, scope: Option<SwitchKey>, area: Rect) {
    let throughput = app.analysis().throughput(scope);
    let title = match throughput.summary() {
        Some(t) => format!(
            " Responses/s: mean {:.1}, peak {} ",
            t.mean_per_s, t.peak_per_s
        ),
        None => " Responses/s: none ".to_owned(),
    };
    let per_second: Vec<u64> = throughput.per_second().into_iter().map(u64::from).collect();
    draw_peaks(
        frame,
        pane_block(title, false),
        &per_second,
        Color::Green,
        area,
    );
}

/// A series as a sparkline in `block`: each column is the largest value in its share of it.
fn draw_peaks(frame: &mut Frame, block: Block, values: &[u64], colour: Color, area: Rect) {
    let width = usize::from(block.inner(area).width).max(1);
    let per_column = values.len().div_ceil(width).max(1);
    let data: Vec<u64> = values
        .chunks(per_column)
        .map(|c| c.iter().copied().max().unwrap_or(0))
        .collect();
    let sparkline = Sparkline::default()
        .block(block)
        .style(Style::new().fg(colour))
        .data(&data);
    frame.render_widget(sparkline, area);
}

/// The percentiles of every switch's series, from the chosen switch's first row.
fn draw_table(frame: &mut Frame, app: &mut App, scope: Option<SwitchKey>, area: Rect) {
    let wide = area.width >= 130;
    let analysis = app.analysis();
    let mut rows = Vec::new();
    let mut first_chosen = None;
    // Another version's messages, in scope, that pairing could not read: said in the title,
    // so that an OpenFlow 1.3 switch's empty table does not read as no answers.
    let not_paired: u64 = analysis
        .switches()
        .iter()
        .filter(|(key, _)| scope.is_none_or(|s| s == **key))
        .map(|(_, switch)| switch.other_version_messages)
        .sum();
    for (key, switch) in analysis.switches() {
        let name = if wide {
            key.to_string()
        } else {
            // The end tells switches apart.
            let text = key.to_string();
            format!("…{}", &text[text.len().saturating_sub(5)..])
        };
        let style = if scope.is_none_or(|s| s == *key) {
            Style::new()
        } else {
            Style::new().fg(Color::DarkGray)
        };
        if scope == Some(*key) {
            first_chosen = Some(rows.len());
        }
        let mut add = |series: &str, stats: &LatencyStats| {
            if stats.count() > 0 || stats.summary().unanswered > 0 {
                rows.push((summary_cells(&name, series, &stats.summary(), wide), style));
            }
        };
        add("packet-in", &switch.packet_in);
        add("echo", &switch.echo);
        for (kind, stats) in &switch.requests {
            add(&kind.to_lowercase(), stats);
        }
    }
    let header: &[&str] = if wide {
        &[
            "Switch", "Series", "Pairs", "Unans.", "Min", "p50", "p90", "p99", "Max", "Mean",
            "Jitter",
        ]
    } else {
        &[
            "Switch", "Series", "Pairs", "p50", "p90", "p99", "Max", "Jitter",
        ]
    };
    let title = match not_paired {
        0 => " Percentiles (PacketIn→response, echo RTT, requests) ".to_owned(),
        n => format!(" Percentiles: {n} messages of another OpenFlow version than 1.0 not paired "),
    };
    let block = pane_block(title, false);
    let width = usize::from(block.inner(area).width);
    let table = sideways::table(app, header, rows, width).block(block);
    let mut state = TableState::new().with_offset(first_chosen.unwrap_or(0));
    frame.render_stateful_widget(table, area, &mut state);
}

fn summary_cells(name: &str, series: &str, s: &Summary, wide: bool) -> Vec<String> {
    let d = |ns: u64| {
        if s.pairs == 0 {
            "-".into()
        } else {
            fmt_duration(ns)
        }
    };
    if wide {
        vec![
            name.into(),
            series.into(),
            s.pairs.to_string(),
            s.unanswered.to_string(),
            d(s.min_ns),
            d(s.p50_ns),
            d(s.p90_ns),
            d(s.p99_ns),
            d(s.max_ns),
            d(s.mean_ns),
            d(s.jitter_ns),
        ]
    } else {
        vec![
            name.into(),
            series.into(),
            s.pairs.to_string(),
            d(s.p50_ns),
            d(s.p90_ns),
            d(s.p99_ns),
            d(s.max_ns),
            d(s.jitter_ns),
        ]
    }
}
