//! Parsing the macro's options: `name = "…"`, `version = "…"`, `skip(a, b)`, `skip_all`,
//! `capture(a, b)`, `skip_output`, `stream`, `crate = path`.

use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Ident, LitStr, Path, Token};

/// The options of one attribute.
#[derive(Default)]
pub(crate) struct Args {
    pub(crate) name: Option<LitStr>,
    pub(crate) version: Option<LitStr>,
    pub(crate) skip: Vec<Ident>,
    pub(crate) skip_all: bool,
    /// Arguments captured although their names say secret (`capture(token)`).
    pub(crate) capture: Vec<Ident>,
    pub(crate) skip_output: bool,
    pub(crate) stream: Option<Ident>,
    pub(crate) krate: Option<Path>,
}

const EXPECTED: &str = "expected one of `name = \"…\"`, `version = \"…\"`, `skip(…)`, `skip_all`, `capture(…)`, \
     `skip_output`, `stream`, `crate = path`";

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut args = Args::default();
        let mut seen: Vec<String> = Vec::new();
        while !input.is_empty() {
            // `crate` is a keyword, so it is not an `Ident`.
            if input.peek(Token![crate]) {
                let keyword: Token![crate] = input.parse()?;
                if seen.iter().any(|s| s == "crate") {
                    return Err(syn::Error::new_spanned(keyword, "duplicate option `crate`"));
                }
                seen.push("crate".to_owned());
                input.parse::<Token![=]>()?;
                args.krate = Some(input.parse()?);
            } else {
                let option: Ident = input
                    .parse()
                    .map_err(|err| syn::Error::new(err.span(), EXPECTED))?;
                let key = option.to_string();
                if seen.contains(&key) {
                    return Err(syn::Error::new_spanned(
                        &option,
                        format!("duplicate option `{key}`"),
                    ));
                }
                match key.as_str() {
                    "name" => {
                        input.parse::<Token![=]>()?;
                        let name: LitStr = input.parse()?;
                        if name.value().is_empty() {
                            return Err(syn::Error::new_spanned(
                                name,
                                "the name must not be empty",
                            ));
                        }
                        args.name = Some(name);
                    }
                    "version" => {
                        input.parse::<Token![=]>()?;
                        args.version = Some(input.parse()?);
                    }
                    "skip" => args.skip = name_list(input, &option)?,
                    "capture" => args.capture = name_list(input, &option)?,
                    "skip_all" => args.skip_all = true,
                    "skip_output" => args.skip_output = true,
                    "stream" => args.stream = Some(option.clone()),
                    _ => {
                        return Err(syn::Error::new_spanned(
                            &option,
                            format!("unknown option `{key}`; {EXPECTED}"),
                        ));
                    }
                }
                seen.push(key);
            }
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        if args.skip_all
            && let Some(first) = args.skip.first()
        {
            return Err(syn::Error::new_spanned(
                first,
                "`skip(…)` and `skip_all` conflict: `skip_all` already skips every argument",
            ));
        }
        if args.skip_all
            && let Some(first) = args.capture.first()
        {
            return Err(syn::Error::new_spanned(
                first,
                "`capture(…)` and `skip_all` conflict: `skip_all` captures no argument",
            ));
        }
        if let Some(both) = args.capture.iter().find(|c| args.skip.contains(c)) {
            return Err(syn::Error::new_spanned(
                both,
                format!("`{both}` is both in `skip(…)` and in `capture(…)`; keep one"),
            ));
        }
        Ok(args)
    }
}

/// The `(a, b)` after `skip` or `capture`: argument names, at least one. `self` is a keyword,
/// hence `parse_any`: `skip(self)` is what `#[instrument]` users write on methods.
fn name_list(input: ParseStream<'_>, option: &Ident) -> syn::Result<Vec<Ident>> {
    if !input.peek(syn::token::Paren) {
        return Err(syn::Error::new_spanned(
            option,
            format!("expected `{option}(argument, …)`: a list of argument names"),
        ));
    }
    let list;
    syn::parenthesized!(list in input);
    let names: Punctuated<Ident, Token![,]> = list.parse_terminated(Ident::parse_any, Token![,])?;
    if names.is_empty() {
        return Err(syn::Error::new_spanned(
            option,
            format!("`{option}()` lists no argument; name at least one or remove it"),
        ));
    }
    Ok(names.into_iter().collect())
}
