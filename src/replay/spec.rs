//! App registration and option parsing: `learning:variant=pox,idle=5` → a maker of app
//! instances. Each app file declares one [`AppEntry`] and `apps::APPS` lists them: the names,
//! the check of option keys, the errors and `replay --help` all read that list. Every error
//! names what is valid, so a typo is fixed from the message alone.

use std::fmt;
use std::net::Ipv4Addr;
use std::rc::Rc;
use std::str::FromStr;

use ofscope_dissectors::printable::Echo;

use super::apps::{App, APPS};

/// One app as the registry lists it.
pub struct AppEntry {
    pub name: &'static str,
    /// Every option it accepts, in the order help and errors list them.
    pub options: &'static [Opt],
    /// Reads the options, whose keys are already checked against `options`.
    pub build: fn(&Options) -> Result<Maker, SpecError>,
}

/// One option of an app, shown as `key=value (note)`, or `key=value (min to max)` for a
/// number.
pub struct Opt {
    pub key: &'static str,
    /// What it takes: `pox|nox`, `SECONDS`, `MAC`.
    pub value: &'static str,
    /// Said after it in parentheses; empty for nothing.
    pub note: &'static str,
    /// A number option's smallest and largest values, which help and errors show.
    pub range: Option<(u64, u64)>,
}

impl Opt {
    pub const fn new(key: &'static str, value: &'static str) -> Opt {
        Opt {
            key,
            value,
            note: "",
            range: None,
        }
    }

    pub const fn note(self, note: &'static str) -> Opt {
        Opt { note, ..self }
    }

    /// A number option, read by [`Options::number`], from `min` to `max`.
    pub const fn range(self, min: u64, max: u64) -> Opt {
        Opt {
            range: Some((min, max)),
            ..self
        }
    }
}

impl fmt::Display for Opt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.key, self.value)?;
        match (self.range, self.note) {
            (None, "") => Ok(()),
            (None, note) => write!(f, " ({note})"),
            (Some((min, max)), "") => write!(f, " ({min} to {max})"),
            (Some((min, max)), note) => write!(f, " ({min} to {max}; {note})"),
        }
    }
}

/// Makes a fresh app instance, with empty state, for each switch connection.
pub type Maker = Rc<dyn Fn() -> Box<dyn App>>;

/// The [`Maker`] of an app built by `new` from `config`.
pub fn maker<C: Clone + 'static, A: App + 'static>(config: C, new: fn(C) -> A) -> Maker {
    Rc::new(move || Box::new(new(config.clone())))
}

/// The option whose file the command layer reads and injects as frames from the TAP; a
/// golden file stores it relative to itself.
pub const TAP_INPUT: &str = "tap-input";
/// The option naming the controller's TAP device, read by the command layer too.
pub const TAP: &str = "tap";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    #[error("unknown app '{}'; valid apps: {names}", Echo::text(.0), names = app_names())]
    UnknownApp(String),
    #[error(
        "unknown option '{}' for app {app}; valid options: {valid}",
        Echo::text(option)
    )]
    UnknownOption {
        app: &'static str,
        option: String,
        valid: String,
    },
    #[error(
        "bad value '{}' for {app} option {option}; expected {expected}",
        Echo::text(value)
    )]
    BadValue {
        app: &'static str,
        option: &'static str,
        value: String,
        expected: &'static str,
    },
    #[error(
        "bad value '{}' for {app} option {option}; expected {expected} from {min} to {max}",
        Echo::text(value)
    )]
    OutOfRange {
        app: &'static str,
        option: &'static str,
        value: String,
        expected: &'static str,
        min: u64,
        max: u64,
    },
    #[error("app {app} needs the option {option}; valid options: {valid}")]
    Missing {
        app: &'static str,
        option: &'static str,
        valid: String,
    },
    #[error("bad app option '{}'; write options as key=value, e.g. learning:variant=pox,idle=5", Echo::text(.0))]
    Syntax(String),
}

/// The registered apps' names, as errors list them.
pub fn app_names() -> String {
    APPS.iter().map(|a| a.name).collect::<Vec<_>>().join(", ")
}

/// An app's options, as errors list them.
fn option_list(entry: &AppEntry) -> String {
    let options: Vec<String> = entry.options.iter().map(Opt::to_string).collect();
    options.join(", ")
}

/// Every app with its options, one per line, as `replay --help` lists them.
pub fn help() -> String {
    let mut text = String::new();
    for entry in APPS {
        text.push_str(&format!("  {}:\n", entry.name));
        for option in entry.options {
            text.push_str(&format!("    {option}\n"));
        }
    }
    text
}

/// An app as the user wrote it (`--app learning:variant=pox`), parsed and validated.
#[derive(Clone)]
pub struct AppSpec {
    entry: &'static AppEntry,
    /// The options in the order given; goldens store them so they read like the command
    /// line.
    pub options: Vec<(String, String)>,
    maker: Maker,
}

impl fmt::Display for AppSpec {
    /// `name:key=value,...` (just `name` without options).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.entry.name)?;
        for (i, (k, v)) in self.options.iter().enumerate() {
            write!(f, "{}{k}={v}", if i == 0 { ':' } else { ',' })?;
        }
        Ok(())
    }
}

impl fmt::Debug for AppSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AppSpec({self})")
    }
}

impl AppSpec {
    /// The app's name (`learning`).
    pub fn name(&self) -> &'static str {
        self.entry.name
    }

    /// A fresh instance, with empty state, for one switch connection.
    pub fn instantiate(&self) -> Box<dyn App> {
        (self.maker)()
    }

    /// The file of the `tap-input=` option, as written.
    pub fn tap_input(&self) -> Option<&str> {
        self.option(TAP_INPUT)
    }

    /// The TAP device of the `tap=` option (`control` opens it).
    pub fn tap_device(&self) -> Option<&str> {
        self.option(TAP)
    }

    /// The last value given for an option.
    fn option(&self, key: &str) -> Option<&str> {
        self.options
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The same app with its `tap-input=` path replaced, or added (paths are relative to
    /// whoever names them: the working directory or the golden file).
    pub fn with_tap_input(&self, path: &str) -> AppSpec {
        let mut spec = self.clone();
        spec.options.retain(|(k, _)| k != TAP_INPUT);
        spec.options.push((TAP_INPUT.to_owned(), path.to_owned()));
        spec
    }
}

impl FromStr for AppSpec {
    type Err = SpecError;

    fn from_str(s: &str) -> Result<AppSpec, SpecError> {
        let text = s.trim();
        let (name, rest) = text.split_once(':').unwrap_or((text, ""));
        let name = name.trim();
        let mut pairs = Vec::new();
        for item in rest.split(',').filter(|i| !i.trim().is_empty()) {
            let (k, v) = item
                .split_once('=')
                .ok_or_else(|| SpecError::Syntax(item.to_owned()))?;
            pairs.push((k.trim(), v.trim()));
        }
        let entry: &'static AppEntry = APPS
            .iter()
            .find(|a| a.name == name)
            .ok_or_else(|| SpecError::UnknownApp(name.to_owned()))?;
        let options = Options {
            entry,
            pairs: &pairs,
        };
        if let Some((k, _)) = pairs
            .iter()
            .find(|(k, _)| !entry.options.iter().any(|o| o.key == *k))
        {
            return Err(SpecError::UnknownOption {
                app: entry.name,
                option: (*k).to_owned(),
                valid: option_list(entry),
            });
        }
        let maker = (entry.build)(&options)?;
        Ok(AppSpec {
            entry,
            options: pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            maker,
        })
    }
}

/// The `key=value` options of one app, with typed getters that produce helpful errors.
pub struct Options<'a> {
    entry: &'static AppEntry,
    pairs: &'a [(&'a str, &'a str)],
}

impl<'a> Options<'a> {
    /// The last value given for `key`.
    pub fn get(&self, key: &str) -> Option<&'a str> {
        self.pairs
            .iter()
            .rev()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| *v)
    }

    /// Every value given for a repeatable `key`, in order.
    pub fn all(&self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.pairs
            .iter()
            .filter(move |(k, _)| *k == key)
            .map(|(_, v)| *v)
    }

    pub fn bad(&self, option: &'static str, value: &str, expected: &'static str) -> SpecError {
        SpecError::BadValue {
            app: self.entry.name,
            option,
            value: value.to_owned(),
            expected,
        }
    }

    pub fn missing(&self, option: &'static str) -> SpecError {
        SpecError::Missing {
            app: self.entry.name,
            option,
            valid: option_list(self.entry),
        }
    }

    /// A number option (decimal, or hex with 0x) within the range its [`Opt`] declares, or
    /// `default` when absent.
    pub fn number<T: TryFrom<u64>>(&self, key: &'static str, default: T) -> Result<T, SpecError> {
        let Some(v) = self.get(key) else {
            return Ok(default);
        };
        let opt = self.entry.options.iter().find(|o| o.key == key);
        let (min, max) = opt.and_then(|o| o.range).unwrap_or((0, u64::MAX));
        let n = match v.strip_prefix("0x") {
            Some(hex) => u64::from_str_radix(hex, 16).ok(),
            None => v.parse::<u64>().ok(),
        };
        n.filter(|n| (min..=max).contains(n))
            .and_then(|n| T::try_from(n).ok())
            .ok_or_else(|| SpecError::OutOfRange {
                app: self.entry.name,
                option: key,
                value: v.to_owned(),
                expected: opt.map_or("a number", |o| o.value),
                min,
                max,
            })
    }

    pub fn mac(&self, key: &'static str) -> Result<Option<[u8; 6]>, SpecError> {
        self.get(key)
            .map(|v| parse_mac(v).ok_or_else(|| self.bad(key, v, "a MAC like 02:00:00:00:00:fe")))
            .transpose()
    }

    pub fn ipv4s(&self, key: &'static str) -> Result<Vec<Ipv4Addr>, SpecError> {
        self.all(key)
            .map(|v| {
                v.parse()
                    .map_err(|_| self.bad(key, v, "an IPv4 address like 10.0.0.254"))
            })
            .collect()
    }
}

pub fn parse_mac(s: &str) -> Option<[u8; 6]> {
    let mut mac = [0u8; 6];
    let mut parts = s.split([':', '-']);
    for byte in &mut mac {
        let p = parts.next()?;
        if p.is_empty() || p.len() > 2 {
            return None;
        }
        *byte = u8::from_str_radix(p, 16).ok()?;
    }
    parts.next().is_none().then_some(mac)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_list_what_is_valid() {
        let err = "lerning".parse::<AppSpec>().unwrap_err().to_string();
        assert!(
            err.contains("valid apps: learning, arp, ping, tunnel"),
            "{err}"
        );
        let err = "learning:varaint=pox"
            .parse::<AppSpec>()
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("'varaint'") && err.contains("variant="),
            "{err}"
        );
        let err = "learning:idle=ten"
            .parse::<AppSpec>()
            .unwrap_err()
            .to_string();
        assert!(err.contains("'ten'") && err.contains("idle"), "{err}");
        let err = "arp:ip=10.0.0.254"
            .parse::<AppSpec>()
            .unwrap_err()
            .to_string();
        assert!(err.contains("needs the option mac"), "{err}");
        let err = "learning:pox".parse::<AppSpec>().unwrap_err().to_string();
        assert!(err.contains("key=value"), "{err}");
    }

    #[test]
    fn help_and_errors_list_every_registered_option() {
        let help = help();
        for app in APPS {
            assert!(help.contains(&format!("  {}:\n", app.name)), "{help}");
            let err = format!("{}:no-such=1", app.name)
                .parse::<AppSpec>()
                .unwrap_err()
                .to_string();
            for (i, option) in app.options.iter().enumerate() {
                assert!(help.contains(&format!("    {option}\n")), "{help}");
                assert!(err.contains(&option.to_string()), "{err}");
                assert!(
                    app.options[..i].iter().all(|o| o.key != option.key),
                    "{} declares {} twice",
                    app.name,
                    option.key
                );
            }
        }
        let arp = "arp:ip=10.0.0.1,mac=02:00:00:00:00:01,port=3"
            .parse::<AppSpec>()
            .unwrap_err();
        assert_eq!(
            arp.to_string(),
            "unknown option 'port' for app arp; valid options: ip=A.B.C.D (repeatable), mac=MAC"
        );
    }

    #[test]
    fn displays_as_given_and_rewrites_tap_input() {
        let spec: AppSpec = " tunnel:mac=02:00:00:00:00:fe, tap-input=a.pcap "
            .parse()
            .unwrap();
        assert_eq!(
            spec.to_string(),
            "tunnel:mac=02:00:00:00:00:fe,tap-input=a.pcap"
        );
        let moved = spec.with_tap_input("../x/a.pcap");
        assert_eq!(moved.tap_input(), Some("../x/a.pcap"));
        assert_eq!(
            moved.to_string(),
            "tunnel:mac=02:00:00:00:00:fe,tap-input=../x/a.pcap"
        );
        assert_eq!(
            "learning".parse::<AppSpec>().unwrap().to_string(),
            "learning"
        );
    }

    #[test]
    fn macs() {
        assert_eq!(parse_mac("02:00:00:00:00:fe"), Some([2, 0, 0, 0, 0, 0xfe]));
        assert_eq!(parse_mac("2-0-0-0-0-fe"), Some([2, 0, 0, 0, 0, 0xfe]));
        assert_eq!(parse_mac("02:00:00:00:00"), None);
        assert_eq!(parse_mac("02:00:00:00:00:fe:01"), None);
        assert_eq!(parse_mac("002:00:00:00:00:fe"), None);
    }
}
