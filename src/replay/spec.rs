//! App registration and option parsing: `learning:variant=pox,idle=5` → a typed config.
//! Every error names what is valid, so a typo is fixed from the message alone.

use std::fmt;
use std::net::Ipv4Addr;
use std::str::FromStr;

use super::apps::{arp, learning, ping, tunnel, App};

/// The registered apps and the options each accepts, as shown in error messages.
pub const APPS: &[(&str, &str)] = &[
    ("learning", learning::OPTIONS),
    ("arp", arp::OPTIONS),
    ("ping", ping::OPTIONS),
    ("tunnel", tunnel::OPTIONS),
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    #[error("unknown app '{0}'; valid apps: {names}", names = app_names())]
    UnknownApp(String),
    #[error("unknown option '{option}' for app {app}; valid options: {valid}")]
    UnknownOption {
        app: &'static str,
        option: String,
        valid: &'static str,
    },
    #[error("bad value '{value}' for {app} option {option}; expected {expected}")]
    BadValue {
        app: &'static str,
        option: &'static str,
        value: String,
        expected: &'static str,
    },
    #[error("app {app} needs the option {option}; valid options: {valid}")]
    Missing {
        app: &'static str,
        option: &'static str,
        valid: &'static str,
    },
    #[error("bad app option '{0}'; write options as key=value, e.g. learning:variant=pox,idle=5")]
    Syntax(String),
}

fn app_names() -> String {
    APPS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
}

/// One app's typed configuration.
#[derive(Debug, Clone, PartialEq)]
pub enum AppConfig {
    Learning(learning::Config),
    Arp(arp::Config),
    Ping(ping::Config),
    Tunnel(tunnel::Config),
}

impl AppConfig {
    /// A fresh instance, with empty state, for one switch connection.
    pub fn instantiate(&self) -> Box<dyn App> {
        match self {
            AppConfig::Learning(c) => Box::new(learning::Learning::new(c.clone())),
            AppConfig::Arp(c) => Box::new(arp::Arp::new(c.clone())),
            AppConfig::Ping(c) => Box::new(ping::Ping::new(c.clone())),
            AppConfig::Tunnel(c) => Box::new(tunnel::Tunnel::new(c.clone())),
        }
    }
}

/// An app as the user wrote it (`--app learning:variant=pox`), parsed and validated.
#[derive(Debug, Clone, PartialEq)]
pub struct AppSpec {
    pub name: String,
    /// The options in the order given; goldens store them so they read like the command
    /// line.
    pub options: Vec<(String, String)>,
    pub config: AppConfig,
}

impl fmt::Display for AppSpec {
    /// `name:key=value,...` (just `name` without options).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        for (i, (k, v)) in self.options.iter().enumerate() {
            write!(f, "{}{k}={v}", if i == 0 { ':' } else { ',' })?;
        }
        Ok(())
    }
}

impl AppSpec {
    /// The file of the tunnel's `tap-input=` option, as written.
    pub fn tap_input(&self) -> Option<&str> {
        match &self.config {
            AppConfig::Tunnel(t) => t.tap_input.as_deref(),
            _ => None,
        }
    }

    /// The same app with its `tap-input=` path replaced (paths are relative to whoever
    /// names them: the working directory or the golden file).
    pub fn with_tap_input(&self, path: &str) -> AppSpec {
        let mut spec = self.clone();
        for (k, v) in &mut spec.options {
            if k == "tap-input" {
                *v = path.to_owned();
            }
        }
        if let AppConfig::Tunnel(t) = &mut spec.config {
            t.tap_input = Some(path.to_owned());
        }
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
        let config = match name {
            "learning" => AppConfig::Learning(learning::Config::parse(&Options::new(
                "learning",
                learning::OPTIONS,
                &pairs,
            ))?),
            "arp" => AppConfig::Arp(arp::Config::parse(&Options::new(
                "arp",
                arp::OPTIONS,
                &pairs,
            ))?),
            "ping" => AppConfig::Ping(ping::Config::parse(&Options::new(
                "ping",
                ping::OPTIONS,
                &pairs,
            ))?),
            "tunnel" => AppConfig::Tunnel(tunnel::Config::parse(&Options::new(
                "tunnel",
                tunnel::OPTIONS,
                &pairs,
            ))?),
            other => return Err(SpecError::UnknownApp(other.to_owned())),
        };
        Ok(AppSpec {
            name: name.to_owned(),
            options: pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            config,
        })
    }
}

/// The `key=value` options of one app, with typed getters that produce helpful errors.
pub struct Options<'a> {
    app: &'static str,
    valid: &'static str,
    pairs: &'a [(&'a str, &'a str)],
}

impl<'a> Options<'a> {
    pub fn new(app: &'static str, valid: &'static str, pairs: &'a [(&'a str, &'a str)]) -> Self {
        Options { app, valid, pairs }
    }

    /// Fails on the first key not in `known`.
    pub fn only(&self, known: &[&str]) -> Result<(), SpecError> {
        match self.pairs.iter().find(|(k, _)| !known.contains(k)) {
            Some((k, _)) => Err(SpecError::UnknownOption {
                app: self.app,
                option: (*k).to_owned(),
                valid: self.valid,
            }),
            None => Ok(()),
        }
    }

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
            app: self.app,
            option,
            value: value.to_owned(),
            expected,
        }
    }

    pub fn missing(&self, option: &'static str) -> SpecError {
        SpecError::Missing {
            app: self.app,
            option,
            valid: self.valid,
        }
    }

    /// A number option (decimal, or hex with 0x), or `default` when absent.
    pub fn number<T: TryFrom<u64>>(
        &self,
        key: &'static str,
        default: T,
        expected: &'static str,
    ) -> Result<T, SpecError> {
        let Some(v) = self.get(key) else {
            return Ok(default);
        };
        let n = match v.strip_prefix("0x") {
            Some(hex) => u64::from_str_radix(hex, 16).ok(),
            None => v.parse::<u64>().ok(),
        };
        n.and_then(|n| T::try_from(n).ok())
            .ok_or_else(|| self.bad(key, v, expected))
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
