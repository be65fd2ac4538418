//! OpenFlow 1.0: header, messages, match, actions, ports, stats, errors, vendor extensions.
