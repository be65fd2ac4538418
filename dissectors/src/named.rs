//! `named_numbers!`: a set of protocol numbers declared once, each with its name.
//!
//! ```ignore
//! named_numbers! {
//!     /// `OFPFC_*` commands.
//!     pub mod ofpfc: u16, names COMMAND_NAMES {
//!         ADD = 0,
//!         MODIFY = 1,
//!     }
//! }
//! ```
//! declares the constants `ofpfc::ADD` and `ofpfc::MODIFY` and beside the module the table
//! `COMMAND_NAMES: &[(u16, &str)]` of `(number, "NAME")`, the name being the constant's.
//! With `flags` in place of `names` the table is a [`FlagNames`](crate::tree::FlagNames)
//! for `Value::Flags`; with `fn name` the names are a function `ofpfc::name(n)` instead.
//! A name other than the constant's follows it: `IPV4 = 0x0800 => "IPv4"`. Numbers that
//! belong to the set but have no name of their own (masks, shifts) go in an `also { .. }`
//! block after it, inside the module.

macro_rules! named_numbers {
    // The names as a function inside the module: a `match`, for names looked up on every
    // frame.
    (
        $(#[$doc:meta])*
        pub mod $module:ident: $ty:ty, fn $function:ident {
            $($(#[$item_doc:meta])* $name:ident = $value:expr $(=> $label:literal)?,)*
        }
        $(also { $($extra:item)* })?
    ) => {
        $(#[$doc])*
        pub mod $module {
            $($(#[$item_doc])* pub const $name: $ty = $value;)*

            /// The name of a number of this set, `None` for one it does not name.
            pub fn $function(value: $ty) -> Option<&'static str> {
                Some(match value {
                    $($name => named_numbers!(@label $name $($label)?),)*
                    _ => return None,
                })
            }

            $($($extra)*)?
        }
    };
    // The names as a table beside the module, of `(number, name)` or of flag bits.
    (
        $(#[$doc:meta])*
        pub mod $module:ident: $ty:ty, $table_vis:vis $kind:ident $table:ident {
            $($(#[$item_doc:meta])* $name:ident = $value:expr $(=> $label:literal)?,)*
        }
        $(also { $($extra:item)* })?
    ) => {
        $(#[$doc])*
        pub mod $module {
            $($(#[$item_doc])* pub const $name: $ty = $value;)*
            $($($extra)*)?
        }

        $table_vis const $table: named_numbers!(@table $kind $ty) = &[$((
            named_numbers!(@number $kind $module::$name),
            named_numbers!(@label $name $($label)?),
        )),*];
    };
    (@table names $ty:ty) => { &[($ty, &str)] };
    (@table flags $ty:ty) => { $crate::tree::FlagNames };
    (@number names $value:expr) => { $value };
    (@number flags $value:expr) => { $value as u64 };
    (@label $name:ident) => { stringify!($name) };
    (@label $name:ident $label:literal) => { $label };
}
