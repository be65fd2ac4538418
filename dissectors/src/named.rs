//! `named_numbers!`: a set of protocol numbers declared once, each with its name.
//!
//! ```ignore
//! named_numbers! {
//!     /// `OFPFC_*` commands.
//!     pub mod ofpfc: u16, [names COMMAND_NAMES] {
//!         ADD = 0,
//!         MODIFY = 1,
//!     }
//! }
//! ```
//! declares the constants `ofpfc::ADD` and `ofpfc::MODIFY` and beside the module the table
//! `COMMAND_NAMES: &[(u16, &str)]` of `(number, "NAME")`, the name being the constant's.
//! With `[flags TABLE]` the table is a [`FlagNames`](crate::tree::FlagNames) for
//! `Value::Flags`; with `[fn name]` the names are a function `ofpfc::name(n)` instead, a
//! `match`, for names looked up on every frame. A name other than the constant's follows
//! it: `IPV4 = 0x0800 => "IPv4"`. Numbers that belong to the set but have no name of their
//! own (masks, shifts) go in an `also { .. }` block after it, inside the module.

macro_rules! named_numbers {
    (
        $(#[$doc:meta])*
        pub mod $module:ident: $ty:ty, [$($names:tt)*] {
            $($(#[$item_doc:meta])* $name:ident = $value:expr $(=> $label:literal)?,)*
        }
        $(also { $($extra:item)* })?
    ) => {
        $(#[$doc])*
        pub mod $module {
            $($(#[$item_doc])* pub const $name: $ty = $value;)*
            named_numbers!(@inside [$($names)*] $ty; $($name $($label)?),*);
            $($($extra)*)?
        }
        named_numbers!(@beside [$($names)*] $module $ty; $($name $($label)?),*);
    };
    (@inside [fn $function:ident] $ty:ty; $($name:ident $($label:literal)?),*) => {
        /// The name of a number of this set, `None` for one it does not name.
        pub fn $function(value: $ty) -> Option<&'static str> {
            Some(match value {
                $($name => named_numbers!(@label $name $($label)?),)*
                _ => return None,
            })
        }
    };
    (@inside [$($table:tt)*] $($rest:tt)*) => {};
    (@beside [fn $function:ident] $($rest:tt)*) => {};
    (@beside [$table_vis:vis $kind:ident $table:ident] $module:ident $ty:ty;
        $($name:ident $($label:literal)?),*) => {
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
