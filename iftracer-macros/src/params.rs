//! The names a function's parameters bind, which `skip(…)` and `capture(…)` refer to and under
//! which arguments are captured: `a` for `a: u32`, `a` and `b` for `(a, b): (u32, u32)`, `x` and
//! `y` for `Point { x, y }: Point` (as `tracing`'s `#[instrument]` names its fields).

use syn::{FnArg, Ident, Pat, Signature};

/// The parameters of one signature.
pub(crate) struct Params {
    /// A receiver (`self`, `&self`, `self: Box<Self>`, …): never captured, but `skip(self)` may
    /// name it.
    pub(crate) has_self: bool,
    /// Every name a parameter pattern binds, in order.
    pub(crate) bindings: Vec<Ident>,
}

impl Params {
    pub(crate) fn of(sig: &Signature) -> Params {
        let mut params = Params {
            has_self: false,
            bindings: Vec::new(),
        };
        for arg in &sig.inputs {
            match arg {
                FnArg::Receiver(_) => params.has_self = true,
                FnArg::Typed(typed) => bindings(&typed.pat, &mut params.bindings),
            }
        }
        params
    }
}

/// The names `pat` binds. Parameters take irrefutable patterns only; what binds nothing (`_`,
/// `..`) or what rustc rejects there adds nothing, so rustc's own error is the one reported.
fn bindings(pat: &Pat, out: &mut Vec<Ident>) {
    match pat {
        Pat::Ident(binding) => {
            out.push(binding.ident.clone());
            // `whole @ Point { x, .. }` binds `x` as well.
            if let Some((_, sub)) = &binding.subpat {
                bindings(sub, out);
            }
        }
        Pat::Reference(reference) => bindings(&reference.pat, out),
        Pat::Paren(paren) => bindings(&paren.pat, out),
        Pat::Type(typed) => bindings(&typed.pat, out),
        Pat::Struct(structure) => {
            for field in &structure.fields {
                bindings(&field.pat, out);
            }
        }
        Pat::Tuple(tuple) => tuple.elems.iter().for_each(|p| bindings(p, out)),
        Pat::TupleStruct(tuple) => tuple.elems.iter().for_each(|p| bindings(p, out)),
        Pat::Slice(slice) => slice.elems.iter().for_each(|p| bindings(p, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(sig: Signature) -> (bool, Vec<String>) {
        let params = Params::of(&sig);
        let names = params.bindings.iter().map(Ident::to_string).collect();
        (params.has_self, names)
    }

    #[test]
    fn destructured_parameters_bind_their_inner_names() {
        let sig: Signature = syn::parse_quote! {
            fn f(
                &self,
                plain: u32,
                mut counted: u32,
                (a, (b, _)): (u32, (u32, u32)),
                Point { x, y: renamed, .. }: Point,
                Pair(first, ref second): Pair,
                &(left, right): &(u8, u8),
                [head, ..]: [u8; 4],
                whole @ Wrapper { inner }: Wrapper,
                _: u8,
            )
        };
        let expected = [
            "plain", "counted", "a", "b", "x", "renamed", "first", "second", "left", "right",
            "head", "whole", "inner",
        ];
        assert_eq!(names(sig), (true, expected.map(str::to_owned).to_vec()));
    }

    #[test]
    fn a_function_without_receiver_has_no_self() {
        let sig: Signature = syn::parse_quote!(fn f(value: u32));
        assert_eq!(names(sig), (false, vec!["value".to_owned()]));
    }
}
