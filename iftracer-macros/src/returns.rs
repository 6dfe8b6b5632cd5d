//! What a function returns, as far as recording cares: whether there is a value, whether it is a
//! `Result`, and the type that can annotate the body's value (with `impl Trait` erased).

use proc_macro2::TokenStream;
use quote::quote;
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::visit_mut::VisitMut;
use syn::{ReturnType, Token, Type};

/// The return type of one signature.
pub(crate) struct Returns {
    /// The declared type, with every `impl Trait` replaced by `_`; `None` for `()`.
    pub(crate) ty: Option<Type>,
    pub(crate) is_result: bool,
}

impl Returns {
    pub(crate) fn of(output: &ReturnType) -> Returns {
        match output {
            ReturnType::Default => Returns {
                ty: None,
                is_result: false,
            },
            ReturnType::Type(_, ty) => {
                let is_unit = matches!(&**ty, Type::Tuple(t) if t.elems.is_empty());
                Returns {
                    ty: (!is_unit).then(|| erase_impl_trait(ty)),
                    is_result: is_result(ty),
                }
            }
        }
    }

    /// `: T` for the body's value. The annotation keeps inference working where the body alone
    /// does not decide (`?` in a `Result<impl Display, E>`); `impl Trait` cannot be written
    /// there, so it is `_`, the rest of the type as declared.
    pub(crate) fn annotation(&self) -> TokenStream {
        match &self.ty {
            Some(ty) => quote!(: #ty),
            None => TokenStream::new(),
        }
    }

    /// An async block has no return annotation, and its `return`s and `?`s are checked before
    /// its value meets `let __if_ret: T`: this unreachable `return` of the declared type, first in
    /// the block, tells them what they return into (`Box::new(…)` coerces to `Box<dyn Error>`).
    pub(crate) fn async_hint(&self) -> TokenStream {
        match &self.ty {
            Some(ty) => quote! {
                #[allow(
                    unreachable_code,
                    clippy::diverging_sub_expression,
                    clippy::empty_loop,
                    clippy::let_with_type_underscore,
                    clippy::needless_return
                )]
                if false {
                    let __if_hint: #ty = loop {};
                    return __if_hint;
                }
            },
            None => TokenStream::new(),
        }
    }

    /// `-> T` for the closure that runs a sync body, erased the same way.
    pub(crate) fn closure_annotation(&self) -> TokenStream {
        match &self.ty {
            Some(ty) => quote!(-> #ty),
            None => TokenStream::new(),
        }
    }
}

/// `ty` with every `impl Trait` replaced by `_` (what `tracing`'s `#[instrument]` does too).
fn erase_impl_trait(ty: &Type) -> Type {
    struct Eraser;
    impl VisitMut for Eraser {
        fn visit_type_mut(&mut self, ty: &mut Type) {
            if let Type::ImplTrait(_) = ty {
                *ty = Type::Infer(syn::TypeInfer {
                    underscore_token: Token![_](ty.span()),
                });
            } else {
                syn::visit_mut::visit_type_mut(self, ty);
            }
        }
    }
    let mut ty = ty.clone();
    Eraser.visit_type_mut(&mut ty);
    ty
}

/// `T` of a return type `impl Future<Output = T>` or `Pin<Box<dyn Future<Output = T> + …>>`.
pub(crate) fn future_output(output: &ReturnType) -> Option<ReturnType> {
    struct FindOutput(Option<Type>);
    impl<'ast> Visit<'ast> for FindOutput {
        fn visit_path_segment(&mut self, segment: &'ast syn::PathSegment) {
            if segment.ident == "Future"
                && let syn::PathArguments::AngleBracketed(args) = &segment.arguments
            {
                for arg in &args.args {
                    if let syn::GenericArgument::AssocType(assoc) = arg
                        && assoc.ident == "Output"
                        && self.0.is_none()
                    {
                        self.0 = Some(assoc.ty.clone());
                    }
                }
            }
            syn::visit::visit_path_segment(self, segment);
        }
    }
    let ReturnType::Type(arrow, ty) = output else {
        return None;
    };
    let mut finder = FindOutput(None);
    finder.visit_type(ty);
    finder.0.map(|ty| ReturnType::Type(*arrow, Box::new(ty)))
}

/// `Result<…>`, `io::Result<…>`, `anyhow::Result<…>`: by the last path segment.
fn is_result(ty: &Type) -> bool {
    matches!(ty, Type::Path(path) if path.path.segments.last().is_some_and(|s| s.ident == "Result"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn annotation(output: ReturnType) -> String {
        Returns::of(&output).annotation().to_string()
    }

    #[test]
    fn impl_trait_is_erased_only_where_it_appears() {
        assert_eq!(
            annotation(syn::parse_quote!(-> Result<impl Display, io::Error>)),
            quote!(: Result<_, io::Error>).to_string()
        );
        assert_eq!(
            annotation(syn::parse_quote!(-> (Vec<impl Debug>, &'a str, [impl Clone; 2]))),
            quote!(: (Vec<_>, &'a str, [_; 2])).to_string()
        );
        assert_eq!(
            annotation(syn::parse_quote!(-> impl Iterator<Item = u32>)),
            quote!(: _).to_string()
        );
        assert_eq!(
            annotation(syn::parse_quote!(-> Option<u32>)),
            quote!(: Option<u32>).to_string()
        );
        assert_eq!(annotation(syn::parse_quote!(-> ())), "");
        assert!(Returns::of(&syn::parse_quote!(-> io::Result<impl Display>)).is_result);
    }
}
