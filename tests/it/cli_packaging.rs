//! What a package installs beside the binary: the manual pages and the shell completions,
//! both generated from the command definition. These load them the way a user would.
use std::process::Command;

use crate::common::{ofscope, stdout, temp_dir, tools_present};

/// Every subcommand `ofscope --help` lists, read from the help itself, so a new one is
/// covered without editing this test.
fn subcommands() -> Vec<String> {
    let help = stdout(&ofscope(&["--help"]));
    help.lines()
        .skip_while(|line| !line.starts_with("Commands:"))
        .skip(1)
        .take_while(|line| line.starts_with("  "))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect()
}

#[test]
fn bash_completes_subcommands_and_the_flags_of_pcap() {
    if !tools_present("bash completion", &["bash"]) {
        return;
    }
    let script = temp_dir("completions").join("ofscope.bash");
    std::fs::write(&script, ofscope(&["completions", "bash"]).stdout).unwrap();
    // What bash does on TAB: set COMP_WORDS/COMP_CWORD, call the function `complete -p`
    // names, read COMPREPLY.
    let complete = |words: &str, cword: usize| {
        let program = format!(
            "source {script:?} || exit 3; \
             function=$(complete -p ofscope | sed -n 's/.*-F \\([^ ]*\\).*/\\1/p'); \
             COMP_WORDS=({words}); COMP_CWORD={cword}; COMP_LINE='{words}'; COMP_POINT=${{#COMP_LINE}}; \
             $function ofscope \"${{COMP_WORDS[$COMP_CWORD]}}\" \"${{COMP_WORDS[$COMP_CWORD-1]}}\"; \
             printf '%s\\n' \"${{COMPREPLY[@]}}\""
        );
        let out = Command::new("bash")
            .arg("-c")
            .arg(program)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "bash: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let names = complete("ofscope ''", 1);
    let subcommands = subcommands();
    assert!(subcommands.len() >= 6, "--help lists {subcommands:?}");
    for sub in &subcommands {
        assert!(
            names.lines().any(|l| l == sub),
            "TAB after ofscope misses {sub}: {names}"
        );
    }
    let flags = complete("ofscope pcap --dis", 2);
    assert_eq!(flags.trim(), "--display-filter", "TAB after pcap --dis");
}

#[test]
fn the_manual_pages_render_with_every_subcommand_and_its_options() {
    if !tools_present("man pages", &["man"]) {
        return;
    }
    let render = |path: &std::path::Path| {
        let out = Command::new("man")
            .arg("-l")
            .arg(path)
            .env("MANWIDTH", "200")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "man -l {path:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // Bold and underline come as overstrikes (`N\bN`): keep the last character of each.
        let mut text = String::new();
        for c in String::from_utf8_lossy(&out.stdout).chars() {
            if c == '\u{8}' {
                text.pop();
            } else {
                text.push(c);
            }
        }
        text
    };
    let dir = temp_dir("man");
    let page = dir.join("stdout.1");
    std::fs::write(&page, ofscope(&["man"]).stdout).unwrap();
    let main_page = render(&page);
    assert!(
        main_page.contains("NAME") && main_page.contains("SUBCOMMANDS"),
        "{main_page}"
    );

    let out = ofscope(&["man", "--dir", dir.to_str().unwrap()]);
    assert!(out.status.success());
    for sub in subcommands() {
        assert!(
            main_page.contains(&format!("ofscope-{sub}(1)")),
            "ofscope(1) misses {sub}"
        );
        let text = render(&dir.join(format!("ofscope-{sub}.1")));
        // `ofscope SUB --help`'s long flags are all in its page.
        let help = stdout(&ofscope(&[&sub, "--help"]));
        for flag in help.split_whitespace().filter(|w| w.starts_with("--")) {
            let flag = flag.trim_end_matches([',', '.', ')']);
            let flag = flag.split(['=', '<', '[']).next().unwrap();
            assert!(text.contains(flag), "ofscope-{sub}(1) misses {flag}");
        }
    }
}
