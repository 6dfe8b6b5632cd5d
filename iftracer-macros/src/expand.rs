//! Code generation: wraps the function body so it runs inside an entity span, calling only the
//! runtime in `iftracer::__private`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Block, Expr, ExprAsync, Ident, Item, ItemFn, Path, Stmt, parse_quote};

use crate::args::Args;
use crate::params::Params;
use crate::returns::{Returns, future_output};
use crate::secret_names::is_secret;

/// The four entity kinds.
#[derive(Clone, Copy)]
pub(crate) enum Kind {
    Workflow,
    Task,
    Agent,
    Tool,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Workflow => "workflow",
            Kind::Task => "task",
            Kind::Agent => "agent",
            Kind::Tool => "tool",
        }
    }

    fn variant(self) -> Ident {
        let name = match self {
            Kind::Workflow => "Workflow",
            Kind::Task => "Task",
            Kind::Agent => "Agent",
            Kind::Tool => "Tool",
        };
        Ident::new(name, proc_macro2::Span::call_site())
    }
}

/// Expands one attribute; on error, the error plus the item unchanged, so rustc reports the
/// macro error and nothing caused by a missing function.
pub(crate) fn entry(
    kind: Kind,
    args: proc_macro::TokenStream,
    item: proc_macro::TokenStream,
) -> proc_macro::TokenStream {
    let original: TokenStream = item.clone().into();
    let result = syn::parse::<Args>(args).and_then(|args| {
        let item: Item = syn::parse(item)?;
        match item {
            Item::Fn(function) => expand(kind, args, function),
            other => Err(syn::Error::new_spanned(
                other,
                format!(
                    "`#[{}]` can only be applied to functions with a body",
                    kind.as_str()
                ),
            )),
        }
    });
    match result {
        Ok(tokens) => tokens.into(),
        Err(err) => {
            let err = err.to_compile_error();
            quote!(#err #original).into()
        }
    }
}

fn expand(kind: Kind, args: Args, function: ItemFn) -> syn::Result<TokenStream> {
    let ItemFn {
        attrs,
        vis,
        sig,
        block,
    } = function;
    // A span cannot start during constant evaluation; `tracing`'s `#[instrument]` refuses
    // `const fn` too.
    if let Some(constness) = &sig.constness {
        return Err(syn::Error::new_spanned(
            constness,
            format!(
                "`#[{}]` cannot instrument a `const fn`: a span cannot start during constant \
                 evaluation; remove `const` or the attribute",
                kind.as_str()
            ),
        ));
    }
    let krate: Path = args
        .krate
        .clone()
        .unwrap_or_else(|| parse_quote!(::iftracer));
    let name = args
        .name
        .as_ref()
        .map(|n| n.value())
        .unwrap_or_else(|| sig.ident.to_string());
    let span_name = format!("{name}.{}", kind.as_str());
    let version = match &args.version {
        Some(v) => quote!(::core::option::Option::Some(#v)),
        None => quote!(::core::option::Option::None),
    };
    let variant = kind.variant();
    let input = input_capture(&args, &sig, &krate)?;
    let returns = Returns::of(&sig.output);
    // `fn … -> impl Future` ending in `async move {…}`, or `#[async_trait]`'s
    // `Box::pin(async move {…})`: that future is instrumented and its `Output` recorded.
    let future = match (&sig.asyncness, &args.stream) {
        (None, None) => trailing_future(&block),
        _ => None,
    };
    // A sync function records on the span its guard holds; a future where that span is current.
    let on = if sig.asyncness.is_none() && future.is_none() {
        OutputOn::Guard
    } else {
        OutputOn::Current
    };
    let record = match &future {
        Some(_) => match future_output(&sig.output) {
            Some(output) => record_of(&Returns::of(&output), &args, &krate, on),
            None => record_of(&Returns::of(&syn::ReturnType::Default), &args, &krate, on),
        },
        None => record_of(&returns, &args, &krate, on),
    };
    // The content attributes this function may record (room for them in the span's list); a
    // stream's output is not recorded.
    let content_attributes =
        usize::from(!input.is_empty()) + usize::from(record.content && args.stream.is_none());
    // Tasks, the most frequent entities, start through a path compiled for them alone.
    let start_fn = match kind {
        Kind::Task => quote!(start_task),
        _ => quote!(start),
    };
    // One `static` per function: the call passes a pointer, not five arguments.
    let start = quote! {
        static __IF_SITE: #krate::__private::Site = #krate::__private::Site {
            kind: #krate::__private::Kind::#variant,
            name: #name,
            span_name: #span_name,
            version: #version,
            content: #content_attributes,
        };
        let __if_entity = #krate::__private::Entity::#start_fn(&__IF_SITE);
    };
    // Decides once, at the start, whether anything is serialised for this call.
    let content = if !input.is_empty() || record.content {
        quote!(let __if_content = #krate::__private::Content::of(&__if_entity);)
    } else {
        TokenStream::new()
    };
    let start = quote! {
        #start
        #content
        #input
    };
    let records_error = record.recorder;
    let recorder = |of: TokenStream| {
        if records_error {
            quote!(let __if_rec = #of.recorder();)
        } else {
            TokenStream::new()
        }
    };
    let Record { tokens: record, .. } = &record;

    let body = if sig.asyncness.is_some() {
        if let Some(stream) = &args.stream {
            return Err(syn::Error::new_spanned(
                stream,
                "`stream` applies to functions that return a stream, not to `async fn`",
            ));
        }
        let annotation = returns.annotation();
        let hint = returns.async_hint();
        let rec = recorder(quote!(__if_entity));
        quote! {
            #start
            #rec
            __if_entity.instrument(async move {
                let __if_ret #annotation = async move { #hint #block }.await;
                #record
                __if_ret
            }).await
        }
    } else if args.stream.is_some() {
        quote! {
            #start
            let __if_stream = {
                let __if_attached = __if_entity.attach();
                #[allow(clippy::redundant_closure_call)]
                (move || #block)()
            };
            __if_entity.instrument_stream(__if_stream)
        }
    } else if let Some((stmts, future)) = future {
        let rec = recorder(quote!(__if_entity));
        let wrapped = quote! {
            {
                #rec
                __if_entity.instrument(async move {
                    let __if_ret = #future.await;
                    #record
                    __if_ret
                })
            }
        };
        let last = replace_future(&block, wrapped);
        quote! {
            #start
            #(#stmts)*
            #last
        }
    } else if record.is_empty() {
        // Nothing to record after the body: run it inline; the guard ends the span on every
        // exit, early returns and unwinding included.
        quote! {
            #start
            let __if_guard = __if_entity.enter();
            #block
        }
    } else {
        let annotation = returns.closure_annotation();
        // The guard records the error itself: no handle, no clone of the span's context.
        let rec = if records_error {
            quote!(let __if_rec = &__if_guard;)
        } else {
            TokenStream::new()
        };
        quote! {
            #start
            let __if_guard = __if_entity.enter();
            #rec
            // A closure, so `return` and `?` in the body still reach the recording below.
            #[allow(clippy::redundant_closure_call)]
            let __if_ret = (move || #annotation #block)();
            #record
            __if_ret
        }
    };
    let body = quote_spanned!(block.span()=> { #body });
    Ok(quote! {
        #(#attrs)*
        #vis #sig
        #body
    })
}

/// `set_input` over the names the parameters bind that are neither skipped nor secret by name
/// (unless in `capture(…)`); `self` is never captured.
fn input_capture(args: &Args, sig: &syn::Signature, krate: &Path) -> syn::Result<TokenStream> {
    let params = Params::of(sig);
    for (option, listed) in [("skip", &args.skip), ("capture", &args.capture)] {
        for name in listed {
            if name == "self" {
                // `skip(self)` is what `#[instrument]` users write on methods: accepted, and
                // `self` is never captured anyway.
                if option == "capture" {
                    return Err(syn::Error::new_spanned(
                        name,
                        "`capture(self)`: the receiver is never captured",
                    ));
                }
                if !params.has_self {
                    return Err(syn::Error::new_spanned(
                        name,
                        "`skip(self)`: this function has no `self` parameter",
                    ));
                }
            } else if !params.bindings.contains(name) {
                return Err(syn::Error::new_spanned(
                    name,
                    format!("`{option}`: this function has no argument named `{name}`"),
                ));
            }
        }
    }
    let named = params.bindings;
    if args.skip_all {
        return Ok(TokenStream::new());
    }
    // An argument whose name says secret stays out unless listed in `capture(…)`.
    let captured: Vec<&Ident> = named
        .iter()
        .filter(|n| !args.skip.contains(n))
        .filter(|n| !is_secret(&n.to_string()) || args.capture.contains(n))
        .collect();
    if captured.is_empty() {
        return Ok(TokenStream::new());
    }
    let names = captured
        .iter()
        .map(|n| n.to_string().trim_start_matches("r#").to_owned());
    Ok(quote! {
        if __if_content.is_on() {
            #[allow(unused_imports)]
            use #krate::__private::{CaptureFallback as _, CaptureSerialize as _};
            __if_content.set_input(&__if_entity, |__if_object| {
                #(
                    // The `&` picks `Serialize` capture when available (autoref specialisation).
                    #[allow(clippy::needless_borrow)]
                    __if_object.field(#names, |__if_out| {
                        (&#krate::__private::Capture(&#captured)).write_json(__if_out)
                    });
                )*
            });
        }
    })
}

/// What is recorded after the body, and the handles that code uses.
struct Record {
    tokens: TokenStream,
    /// Uses `__if_content` (the output is captured).
    content: bool,
    /// Uses `__if_rec` (a `Result`'s error is recorded).
    recorder: bool,
}

/// Where the output is recorded.
#[derive(Clone, Copy)]
enum OutputOn {
    /// The span held by `__if_guard` (sync functions).
    Guard,
    /// The current span, if it is the entity's (futures).
    Current,
}

/// Records the output (unless skipped or unit) and, for `Result`, the error.
fn record_of(returns: &Returns, args: &Args, krate: &Path, on: OutputOn) -> Record {
    let imports = quote! {
        #[allow(unused_imports)]
        use #krate::__private::{
            CaptureFallback as _, CaptureSerialize as _, ErrorDebug as _, ErrorDisplay as _,
        };
    };
    let captures_output = !args.skip_output && returns.ty.is_some();
    // Serialised only when the span records content, straight into the attribute's text.
    let output = |value: TokenStream| {
        if captures_output {
            // The `&` picks `Serialize` capture when available (autoref specialisation).
            let json = quote! {
                #[allow(clippy::needless_borrow)]
                (&#krate::__private::Capture(#value)).output_json()
            };
            let set = match on {
                OutputOn::Guard => quote!(__if_content.set_output_on(&__if_guard, #json)),
                OutputOn::Current => quote!(__if_content.set_output(#json)),
            };
            quote! {
                if __if_content.is_on() {
                    #set;
                }
            }
        } else {
            TokenStream::new()
        }
    };
    let tokens = if returns.is_result {
        let ok = output(quote!(__if_ok));
        quote! {
            #imports
            match &__if_ret {
                ::core::result::Result::Ok(__if_ok) => { #ok }
                ::core::result::Result::Err(__if_err) => {
                    #[allow(clippy::needless_borrow)]
                    let __if_message =
                        (&#krate::__private::CaptureError(__if_err)).error_message();
                    __if_rec.record_error(
                        __if_message,
                        #krate::__private::type_name_of(__if_err),
                    );
                }
            }
        }
    } else if captures_output {
        let out = output(quote!(&__if_ret));
        quote!(#imports #out)
    } else {
        TokenStream::new()
    };
    Record {
        tokens,
        content: captures_output,
        recorder: returns.is_result,
    }
}

/// The statements before a trailing `async move {…}` or `Box::pin(async move {…})`, and that
/// async block.
fn trailing_future(block: &Block) -> Option<(Vec<Stmt>, ExprAsync)> {
    let (last, init) = block.stmts.split_last()?;
    let Stmt::Expr(expr, None) = last else {
        return None;
    };
    let future = match expr {
        Expr::Async(future) => future.clone(),
        Expr::Call(call) if is_box_pin(&call.func) && call.args.len() == 1 => match &call.args[0] {
            Expr::Async(future) => future.clone(),
            _ => return None,
        },
        _ => return None,
    };
    Some((init.to_vec(), future))
}

fn is_box_pin(func: &Expr) -> bool {
    let Expr::Path(path) = func else { return false };
    let segments: Vec<String> = path
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    segments.ends_with(&["Box".to_owned(), "pin".to_owned()])
}

/// The block's trailing expression with its async block replaced by `wrapped`.
fn replace_future(block: &Block, wrapped: TokenStream) -> TokenStream {
    match block.stmts.last() {
        Some(Stmt::Expr(Expr::Call(call), None)) => {
            let func = &call.func;
            quote!(#func(#wrapped))
        }
        _ => wrapped,
    }
}
