//! What the catalogue knows, for people: the `wsdoctor explain --list-products` listing and the
//! generated `docs/products.md` (a test keeps the file equal to [`markdown`]). Pure: text out.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::{Entry, ENTRIES};

/// Every product, stably sorted: fronts first, then applications, each by name
/// (case-insensitive).
pub fn sorted() -> Vec<&'static Entry> {
    let mut v: Vec<&'static Entry> = ENTRIES.iter().collect();
    v.sort_by_key(|e| (!e.is_front(), e.name.to_ascii_lowercase()));
    v
}

/// The language column: the application's language, `-` for a front.
fn language(e: &Entry) -> &'static str {
    e.language.unwrap_or("-")
}

/// The listing printed by `wsdoctor explain --list-products`: one product a line (product, kind,
/// language, what wsdoctor recognises it by), fronts first, then applications.
pub fn listing(out: &mut dyn Write) -> io::Result<()> {
    let entries = sorted();
    let name_w = entries
        .iter()
        .map(|e| e.name.len())
        .max()
        .unwrap_or(7)
        .max(7);
    let kind_w = entries
        .iter()
        .map(|e| e.kind.as_str().len())
        .max()
        .unwrap_or(4)
        .max(4);
    let lang_w = entries
        .iter()
        .map(|e| language(e).len())
        .max()
        .unwrap_or(8)
        .max(8);
    let fronts = entries.iter().filter(|e| e.is_front()).count();
    writeln!(
        out,
        "wsdoctor recognises {} products ({} fronts, {} applications); sources: docs/products.md",
        entries.len(),
        fronts,
        entries.len() - fronts
    )?;
    writeln!(
        out,
        "{:name_w$}  {:kind_w$}  {:lang_w$}  RECOGNISED BY",
        "PRODUCT", "KIND", "LANGUAGE"
    )?;
    for e in entries {
        writeln!(
            out,
            "{:name_w$}  {:kind_w$}  {:lang_w$}  {}",
            e.name,
            e.kind.as_str(),
            language(e),
            e.recognised_by
        )?;
    }
    Ok(())
}

/// Escapes a table cell.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// Every distinct source URL of a product's facts, in a stable order.
fn sources(e: &'static Entry) -> Vec<&'static str> {
    let mut v: Vec<&'static str> = vec![e.source];
    v.extend(e.answers().map(|a| a.source));
    v.extend(e.close_reasons().map(|c| c.source));
    v.extend(e.idle_source);
    v.extend(e.upgrade_source);
    v.extend(e.handshake_source);
    v.extend(e.websocket_route_plain_get_source);
    let mut seen = std::collections::HashSet::new();
    v.retain(|s| seen.insert(*s));
    v
}

/// `docs/products.md`: every product with what identifies it, its documented idle timeout and
/// upgrade behaviour, and the source of every fact.
pub fn markdown() -> String {
    let entries = sorted();
    let mut s = String::new();
    s.push_str("# Products wsdoctor recognises\n\n");
    s.push_str(
        "Generated from `catalogue/*.toml` (the responder catalogue compiled into the binary); \
         `cargo test --lib catalogue` fails when this file and the data disagree. Regenerate with \
         `WSDOCTOR_BLESS=1 cargo test --lib catalogue::tests::products_doc_matches_the_data`.\n\
         The same list prints with `wsdoctor explain --list-products`.\n\n",
    );
    let fronts = entries.iter().filter(|e| e.is_front()).count();
    let _ = writeln!(
        s,
        "{} products: {} fronts (proxies, CDNs, load balancers, gateways, platform routers, \
         forward proxies, TLS terminators) and {} applications (server frameworks, libraries, \
         brokers).\n",
        entries.len(),
        fronts,
        entries.len() - fronts
    );
    s.push_str("| product | kind | language | recognised by | idle timeout | upgrade behaviour | sources |\n");
    s.push_str("|---|---|---|---|---|---|---|\n");
    for e in entries {
        let idle = match (e.idle_timeout_s, e.idle_setting) {
            (Some(t), Some(set)) => format!("{t} s ({})", cell(set)),
            (Some(t), None) => format!("{t} s"),
            _ => "-".into(),
        };
        let links: Vec<String> = sources(e)
            .iter()
            .enumerate()
            .map(|(i, u)| format!("[{}]({u})", i + 1))
            .collect();
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} |",
            cell(e.name),
            e.kind.as_str(),
            language(e),
            cell(e.recognised_by),
            idle,
            e.upgrade.map_or_else(|| "-".to_string(), cell),
            links.join(" ")
        );
    }
    s
}
