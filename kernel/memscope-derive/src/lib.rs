//! `#[derive(Arrays)]`: lets the memory table see the arrays inside a
//! notebook's own structs and enums (`model.w`, `layer.0`).
//!
//! The generated impl of `memscope_prelude::arrays::Arrays` hands each
//! field to the visitor under its name. A field whose type cannot hold an
//! array (a `String`, a type without the derive) is skipped without an
//! error, so deriving never asks anything of the other fields; a field
//! whose type names one of the item's type parameters gets a bound
//! instead (`T: Arrays` where the struct keeps a `T`).
//!
//! Invariant: no dependency but `proc_macro` (the prelude is built in
//! every new build folder, and `syn` would double that build), so the
//! item is read from its tokens here: attributes, visibility, the name,
//! generics, a where clause, and fields by top-level commas.

use proc_macro::{Delimiter, Spacing, TokenStream, TokenTree};

/// Derives `Arrays` for a struct or an enum; see the prelude's `arrays`
/// module.
#[proc_macro_derive(Arrays)]
pub fn derive_arrays(input: TokenStream) -> TokenStream {
    let generated = match Item::parse(input) {
        Ok(item) => item.arrays_impl(),
        Err(message) => format!("::core::compile_error!({message:?});"),
    };
    generated.parse().unwrap_or_else(|_| {
        "::core::compile_error!(\"derive(Arrays) made invalid code\");"
            .parse()
            .unwrap()
    })
}

/// The parts of a struct or enum the impl needs, as source text.
struct Item {
    name: String,
    /// Parameters as declared, without defaults: `'a, T: Clone, const N: usize`.
    impl_generics: Vec<String>,
    /// Parameters as used: `'a, T, N`.
    type_generics: Vec<String>,
    /// Names of the type parameters, whose fields get a bound.
    type_params: Vec<String>,
    /// The predicates of the item's own where clause.
    where_predicates: Vec<String>,
    shape: Shape,
}

enum Shape {
    Struct(Fields),
    Enum(Vec<(String, Fields)>),
}

enum Fields {
    /// `(name, type)`.
    Named(Vec<(String, Vec<TokenTree>)>),
    /// Types, in order.
    Tuple(Vec<Vec<TokenTree>>),
    Unit,
}

impl Item {
    fn parse(input: TokenStream) -> Result<Item, String> {
        let tokens: Vec<TokenTree> = input.into_iter().collect();
        let mut at = skip_attributes_and_visibility(&tokens, 0);
        let keyword = ident_at(&tokens, at).ok_or("derive(Arrays) expects a struct or an enum")?;
        let is_enum = match keyword.as_str() {
            "struct" => false,
            "enum" => true,
            "union" => return Err("derive(Arrays) does not support unions".into()),
            _ => return Err("derive(Arrays) expects a struct or an enum".into()),
        };
        let name = ident_at(&tokens, at + 1).ok_or("derive(Arrays): the item has no name")?;
        at += 2;
        let mut item = Item {
            name,
            impl_generics: Vec::new(),
            type_generics: Vec::new(),
            type_params: Vec::new(),
            where_predicates: Vec::new(),
            shape: Shape::Struct(Fields::Unit),
        };
        if is_punct(tokens.get(at), '<') {
            let end = closing_angle(&tokens, at).ok_or("derive(Arrays): unclosed generics")?;
            for param in split_top_level(&tokens[at + 1..end], ',') {
                item.add_generic_param(param);
            }
            at = end + 1;
        }
        let mut body = None;
        let mut where_clause = Vec::new();
        let mut in_where = false;
        for token in &tokens[at..] {
            match token {
                TokenTree::Group(group)
                    if group.delimiter() == Delimiter::Brace
                        || (group.delimiter() == Delimiter::Parenthesis
                            && body.is_none()
                            && !in_where) =>
                {
                    body = Some(group.clone());
                    if group.delimiter() == Delimiter::Brace {
                        break;
                    }
                }
                TokenTree::Ident(ident) if ident.to_string() == "where" => in_where = true,
                TokenTree::Punct(p) if p.as_char() == ';' => break,
                other if in_where => where_clause.push(other.clone()),
                _ => {}
            }
        }
        item.where_predicates = split_top_level(&where_clause, ',')
            .into_iter()
            .filter(|p| !p.is_empty())
            .map(source)
            .collect();
        item.shape = match (is_enum, body) {
            (true, Some(group)) => Shape::Enum(parse_variants(group.stream())?),
            (true, None) => return Err("derive(Arrays): the enum has no body".into()),
            (false, Some(group)) if group.delimiter() == Delimiter::Brace => {
                Shape::Struct(parse_named(group.stream()))
            }
            (false, Some(group)) => Shape::Struct(parse_tuple(group.stream())),
            (false, None) => Shape::Struct(Fields::Unit),
        };
        Ok(item)
    }

    fn add_generic_param(&mut self, param: &[TokenTree]) {
        let param = strip_default(param);
        if param.is_empty() {
            return;
        }
        let declared = source(param);
        let used = match &param[0] {
            TokenTree::Punct(p) if p.as_char() == '\'' => {
                format!(
                    "'{}",
                    param.get(1).map(ToString::to_string).unwrap_or_default()
                )
            }
            TokenTree::Ident(i) if i.to_string() == "const" => {
                param.get(1).map(ToString::to_string).unwrap_or_default()
            }
            first => {
                let name = first.to_string();
                self.type_params.push(name.clone());
                name
            }
        };
        self.impl_generics.push(declared);
        self.type_generics.push(used);
    }

    fn arrays_impl(&self) -> String {
        let mut bounds = self.where_predicates.clone();
        let body = match &self.shape {
            Shape::Struct(fields) => {
                let (pattern, visits) = self.fields_code(&self.name, fields, &mut bounds);
                format!("let {pattern} = self; {visits}")
            }
            Shape::Enum(variants) => {
                let arms: String = variants
                    .iter()
                    .map(|(variant, fields)| {
                        let path = format!("{}::{variant}", self.name);
                        let (pattern, visits) = self.fields_code(&path, fields, &mut bounds);
                        format!("{pattern} => {{ {visits} }}")
                    })
                    .collect();
                format!("#[allow(unreachable_patterns)] match self {{ {arms} _ => {{}} }}")
            }
        };
        let generics = |list: &[String]| {
            if list.is_empty() {
                String::new()
            } else {
                format!("<{}>", list.join(", "))
            }
        };
        let where_clause = if bounds.is_empty() {
            String::new()
        } else {
            format!("where {}", bounds.join(", "))
        };
        format!(
            "#[automatically_derived]
            impl{impl_generics} ::memscope_prelude::arrays::Arrays for {name}{type_generics} {where_clause} {{
                #[allow(unused_variables)]
                fn visit_arrays(&self, visitor: &mut ::memscope_prelude::arrays::ArrayVisitor) {{
                    {body}
                }}
            }}",
            impl_generics = generics(&self.impl_generics),
            name = self.name,
            type_generics = generics(&self.type_generics),
        )
    }

    /// A pattern that binds every field of `path` (by reference, since
    /// the value matched is `&Self`), and the visits of those fields.
    fn fields_code(
        &self,
        path: &str,
        fields: &Fields,
        bounds: &mut Vec<String>,
    ) -> (String, String) {
        let mut visits = String::new();
        let mut visit = |label: &str, binding: &str, ty: &[TokenTree]| {
            if mentions_any(ty, &self.type_params) {
                let ty = source(ty);
                bounds.push(format!("{ty}: ::memscope_prelude::arrays::Arrays"));
                visits.push_str(&format!(
                    "visitor.field({label:?}, |v| ::memscope_prelude::arrays::Arrays::visit_arrays({binding}, v));"
                ));
            } else {
                // A field of a concrete type: visited if that type has an
                // impl, skipped if not (chosen by the compiler here).
                visits.push_str(&format!(
                    "visitor.field({label:?}, |v| {{
                        #[allow(unused_imports)]
                        use ::memscope_prelude::__kernel::probe::{{ViaArrays as _, ViaNothing as _}};
                        (&&::memscope_prelude::__kernel::probe::Probe::<{ty}>::NEW).visit({binding}, v)
                    }});",
                    ty = source(ty),
                ));
            }
        };
        let pattern = match fields {
            Fields::Named(named) => {
                let mut bindings = Vec::new();
                for (i, (name, ty)) in named.iter().enumerate() {
                    let binding = format!("__field{i}");
                    visit(name, &binding, ty);
                    bindings.push(format!("{name}: {binding}"));
                }
                format!("{path} {{ {} }}", bindings.join(", "))
            }
            Fields::Tuple(types) => {
                let mut bindings = Vec::new();
                for (i, ty) in types.iter().enumerate() {
                    let binding = format!("__field{i}");
                    visit(&i.to_string(), &binding, ty);
                    bindings.push(binding);
                }
                format!("{path}({})", bindings.join(", "))
            }
            Fields::Unit => format!("{path} {{ .. }}"),
        };
        (pattern, visits)
    }
}

fn parse_variants(body: TokenStream) -> Result<Vec<(String, Fields)>, String> {
    let tokens: Vec<TokenTree> = body.into_iter().collect();
    let mut variants = Vec::new();
    for variant in split_top_level(&tokens, ',') {
        let at = skip_attributes_and_visibility(variant, 0);
        let Some(name) = ident_at(variant, at) else {
            continue;
        };
        let fields = match variant.get(at + 1) {
            Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace => {
                parse_named(g.stream())
            }
            Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis => {
                parse_tuple(g.stream())
            }
            _ => Fields::Unit,
        };
        variants.push((name, fields));
    }
    Ok(variants)
}

fn parse_named(body: TokenStream) -> Fields {
    let tokens: Vec<TokenTree> = body.into_iter().collect();
    let mut fields = Vec::new();
    for field in split_top_level(&tokens, ',') {
        let at = skip_attributes_and_visibility(field, 0);
        if let (Some(name), true) = (ident_at(field, at), is_punct(field.get(at + 1), ':')) {
            fields.push((name, field[at + 2..].to_vec()));
        }
    }
    Fields::Named(fields)
}

fn parse_tuple(body: TokenStream) -> Fields {
    let tokens: Vec<TokenTree> = body.into_iter().collect();
    Fields::Tuple(
        split_top_level(&tokens, ',')
            .into_iter()
            .filter(|field| !field.is_empty())
            .map(|field| field[skip_attributes_and_visibility(field, 0)..].to_vec())
            .collect(),
    )
}

/// The index after any `#[...]` attributes and a `pub`/`pub(...)`.
fn skip_attributes_and_visibility(tokens: &[TokenTree], mut at: usize) -> usize {
    loop {
        match tokens.get(at) {
            Some(TokenTree::Punct(p)) if p.as_char() == '#' => at += 2,
            Some(TokenTree::Ident(i)) if i.to_string() == "pub" => {
                at += 1;
                if let Some(TokenTree::Group(g)) = tokens.get(at)
                    && g.delimiter() == Delimiter::Parenthesis
                {
                    at += 1;
                }
            }
            _ => return at,
        }
    }
}

fn ident_at(tokens: &[TokenTree], at: usize) -> Option<String> {
    match tokens.get(at)? {
        TokenTree::Ident(ident) => Some(ident.to_string()),
        _ => None,
    }
}

fn is_punct(token: Option<&TokenTree>, c: char) -> bool {
    matches!(token, Some(TokenTree::Punct(p)) if p.as_char() == c)
}

/// The index of the `>` that closes the `<` at `open`.
fn closing_angle(tokens: &[TokenTree], open: usize) -> Option<usize> {
    let mut depth = 0_usize;
    for (i, token) in tokens.iter().enumerate().skip(open) {
        match angle_step(tokens, i, token) {
            1 => depth += 1,
            -1 => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// +1 for a `<`, -1 for a `>` that is not the end of `->` or `=>`.
fn angle_step(tokens: &[TokenTree], i: usize, token: &TokenTree) -> i32 {
    match token {
        TokenTree::Punct(p) if p.as_char() == '<' => 1,
        TokenTree::Punct(p) if p.as_char() == '>' => {
            let after_joint = i > 0
                && matches!(&tokens[i - 1], TokenTree::Punct(q)
                    if q.spacing() == Spacing::Joint && matches!(q.as_char(), '-' | '='));
            if after_joint { 0 } else { -1 }
        }
        _ => 0,
    }
}

/// `tokens` split at each `separator` outside angle brackets (groups are
/// single tokens already).
fn split_top_level(tokens: &[TokenTree], separator: char) -> Vec<&[TokenTree]> {
    let mut parts = Vec::new();
    let mut depth = 0_i32;
    let mut start = 0;
    for (i, token) in tokens.iter().enumerate() {
        depth += angle_step(tokens, i, token);
        if depth == 0 && is_punct(Some(token), separator) {
            parts.push(&tokens[start..i]);
            start = i + 1;
        }
    }
    if start < tokens.len() {
        parts.push(&tokens[start..]);
    }
    parts
}

/// A generic parameter without its default (`T: Clone = u8` → `T: Clone`).
fn strip_default(param: &[TokenTree]) -> &[TokenTree] {
    let mut depth = 0_i32;
    for (i, token) in param.iter().enumerate() {
        depth += angle_step(param, i, token);
        if depth == 0
            && matches!(token, TokenTree::Punct(p) if p.as_char() == '=' && p.spacing() == Spacing::Alone)
        {
            return &param[..i];
        }
    }
    param
}

/// Whether any identifier in `tokens`, at any depth, is one of `names`.
fn mentions_any(tokens: &[TokenTree], names: &[String]) -> bool {
    tokens.iter().any(|token| match token {
        TokenTree::Ident(ident) => names.iter().any(|n| *n == ident.to_string()),
        TokenTree::Group(group) => {
            let inner: Vec<TokenTree> = group.stream().into_iter().collect();
            mentions_any(&inner, names)
        }
        _ => false,
    })
}

fn source(tokens: &[TokenTree]) -> String {
    tokens.iter().cloned().collect::<TokenStream>().to_string()
}
