//! The flags matrix as one self-contained HTML page (inline CSS and script, no external
//! assets, a content security policy that forbids loading any): a reviewer filters by
//! jurisdiction, minimum severity and review state, expands a provision to read the clause and
//! its findings (citation, status, review, `because`, obligation, source). All text from the
//! input and the rule packs is escaped.

use std::fmt::Write as _;

use super::{Matrix, Row};
use crate::eval::{Finding, Status};
use crate::review::{Review, State};
use crate::rules::Severity;

/// Escape text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn rank(s: Severity) -> u8 {
    match s {
        Severity::Low => 1,
        Severity::Medium => 2,
        Severity::High => 3,
        Severity::Critical => 4,
    }
}

const STYLE: &str = r#"
:root{--fg:#1d2330;--muted:#5b6475;--line:#d9dee7;--bg:#fff;--head:#f3f5f9;
--crit:#7a0010;--high:#c0392b;--med:#b7791f;--low:#2b6cb0;}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg);margin:0;padding:1rem 1.5rem}
h1{font-size:1.35rem;margin:.2rem 0}
.receipt{color:var(--muted);margin:.2rem 0 .8rem}
#filters{display:flex;flex-wrap:wrap;gap:1rem;align-items:end;padding:.6rem .8rem;background:var(--head);border:1px solid var(--line);border-radius:6px;position:sticky;top:0;z-index:2}
#filters label{display:flex;flex-direction:column;font-size:.8rem;color:var(--muted);gap:.15rem}
#filters select{font:inherit;padding:.2rem .3rem}
#count{margin-left:auto;color:var(--muted)}
table{border-collapse:collapse;width:100%;margin-top:.8rem}
th,td{border-bottom:1px solid var(--line);padding:.35rem .45rem;vertical-align:top;text-align:left}
thead th{background:var(--head);position:sticky;top:3.4rem;z-index:1}
td.pid{white-space:nowrap}
td.pid code{font-size:.85rem}
button.toggle{border:1px solid var(--line);background:#fff;border-radius:4px;cursor:pointer;width:1.6rem;padding:0}
.clause strong{display:block}
.excerpt{color:var(--muted)}
td.cell{white-space:nowrap;font-weight:600}
td.cell .mark{font-weight:400;margin-left:.2rem}
.sev-critical{color:var(--crit)}.sev-high{color:var(--high)}.sev-medium{color:var(--med)}.sev-low{color:var(--low)}
.st-undetermined,.st-upcoming{font-style:italic;opacity:.75}
td.below{opacity:.25}
tr.detail>td{background:#fafbfd}
blockquote.text{margin:.3rem 0 .6rem;padding:.5rem .8rem;border-left:3px solid var(--line);background:#fff;white-space:pre-wrap}
ul.findings{list-style:none;margin:0;padding:0}
li.finding{border:1px solid var(--line);border-radius:6px;padding:.45rem .6rem;margin:.4rem 0;background:#fff}
.badge{display:inline-block;border-radius:3px;padding:0 .35rem;border:1px solid currentColor;font-size:.8rem;margin-right:.25rem}
.review{float:right;font-size:.8rem;color:var(--muted)}
.rv-stale,.rv-expired{color:#9a5b00;font-weight:600}
.rv-confirmed{color:#2f7d32}.rv-dismissed{color:var(--muted)}.rv-accepted-risk{color:#7b3fa0}
.because{margin:.3rem 0 0 1.1rem;padding:0}
.because li{margin:.1rem 0}
.obligation{margin:.3rem 0}
.meta{color:var(--muted);font-size:.8rem}
.errors{color:var(--high)}
#none{padding:1rem;color:var(--muted)}
.legend{color:var(--muted);font-size:.85rem;margin-top:.8rem}
"#;

const SCRIPT: &str = r#"
(function(){
  var fj=document.getElementById('f-jurisdiction'),fs=document.getElementById('f-severity'),
      fr=document.getElementById('f-review'),count=document.getElementById('count'),
      none=document.getElementById('none');
  var rows=Array.prototype.slice.call(document.querySelectorAll('tr.prov'));
  var heads=Array.prototype.slice.call(document.querySelectorAll('thead th[data-j]'));
  function matches(el,j,s,r){
    return (!j||el.getAttribute('data-j')===j)&&
      (!s||Number(el.getAttribute('data-sev'))>=s)&&
      (!r||el.getAttribute('data-review')===r);
  }
  function apply(){
    var j=fj.value,s=Number(fs.value||0),r=fr.value,shown=0,any=!!(j||s||r);
    heads.forEach(function(th){th.hidden=!!j&&th.getAttribute('data-j')!==j;});
    rows.forEach(function(row){
      var detail=document.getElementById(row.getAttribute('aria-controls')||'');
      var items=detail?Array.prototype.slice.call(detail.querySelectorAll('li.finding')):[];
      var hit=false;
      items.forEach(function(li){var m=matches(li,j,s,r);li.hidden=!m;if(m){hit=true;}});
      row.querySelectorAll('td.cell').forEach(function(td){
        td.hidden=!!j&&td.getAttribute('data-j')!==j;
        td.classList.toggle('below',!!s&&td.hasAttribute('data-max')&&Number(td.getAttribute('data-max'))<s);
      });
      var visible=any?hit:true;
      row.hidden=!visible;
      if(detail){detail.hidden=!visible||row.getAttribute('aria-expanded')!=='true';}
      if(visible){shown++;}
    });
    count.textContent='showing '+shown+' of '+rows.length+' provisions';
    none.hidden=shown!==0;
  }
  function toggle(row){
    var open=row.getAttribute('aria-expanded')!=='true';
    row.setAttribute('aria-expanded',open?'true':'false');
    var b=row.querySelector('button.toggle');
    if(b){b.textContent=open?'\u25BE':'\u25B8';b.setAttribute('aria-expanded',open?'true':'false');}
    var d=document.getElementById(row.getAttribute('aria-controls'));
    if(d){d.hidden=!open||row.hidden;}
  }
  document.getElementById('matrix').addEventListener('click',function(e){
    var t=e.target;
    while(t&&t.tagName!=='TR'){if(t.tagName==='A'){return;}t=t.parentElement;}
    if(t&&t.classList.contains('prov')){toggle(t);}
  });
  [fj,fs,fr].forEach(function(el){el.addEventListener('change',apply);});
  apply();
})();
"#;

fn status_text(f_status: Status, in_force: Option<crate::date::Date>) -> String {
    match (f_status, in_force) {
        (Status::Upcoming, Some(d)) => format!("upcoming {d}"),
        (s, _) => s.as_str().to_string(),
    }
}

fn finding_html(out: &mut String, f: &Finding) {
    let review: Option<Review> = f
        .review
        .as_ref()
        .and_then(|v| serde_json::from_value::<ReviewView>(v.clone()).ok())
        .map(ReviewView::into_review);
    let state = review.as_ref().map_or(State::Pending, |r| r.state);
    let summary = review
        .as_ref()
        .map_or_else(|| "pending".to_string(), Review::summary);
    let _ = write!(
        out,
        "<li class=\"finding\" data-j=\"{j}\" data-sev=\"{sev}\" data-review=\"{rv}\" data-rule=\"{rule}\">\
<span class=\"review rv-{rv}\">review: {summary}</span>\
<span class=\"badge sev-{sevname}\">{sevname}</span><span class=\"badge st-{st}\">{status}</span>\
<span class=\"badge\">{j}</span> <strong class=\"citation\">{citation}</strong> — {title}",
        j = escape(&f.jurisdiction),
        sev = rank(f.severity),
        rv = state.as_str(),
        rule = escape(&f.rule),
        summary = escape(&summary),
        sevname = f.severity.as_str(),
        st = f.status.as_str(),
        status = escape(&status_text(f.status, f.in_force)),
        citation = escape(&f.citation),
        title = escape(&f.title),
    );
    if let Some(r) = &review {
        if let Some(reason) = &r.reason {
            let _ = write!(out, "<p class=\"meta\">reason: {}</p>", escape(reason));
        }
    }
    let _ = write!(out, "<p class=\"obligation\">{}</p>", escape(&f.obligation));
    if !f.because.is_empty() {
        out.push_str("<div class=\"meta\">because</div><ul class=\"because\">");
        for b in &f.because {
            let _ = write!(out, "<li>{}</li>", escape(b));
        }
        out.push_str("</ul>");
    }
    if !f.missing.is_empty() {
        out.push_str("<div class=\"meta\">would apply if these unknown facts held</div><ul class=\"because missing\">");
        for m in &f.missing {
            let _ = write!(out, "<li>{}</li>", escape(m));
        }
        out.push_str("</ul>");
    }
    let _ = write!(
        out,
        "<p class=\"meta\">{} · rule <code>{}</code>",
        escape(&f.regulation),
        escape(&f.rule)
    );
    if !f.agencies.is_empty() {
        let _ = write!(out, " · {}", escape(&f.agencies.join(", ")));
    }
    if f.source.starts_with("https://") || f.source.starts_with("http://") {
        let _ = write!(
            out,
            " · <a href=\"{}\" rel=\"noopener noreferrer\">source</a>",
            escape(&f.source)
        );
    }
    out.push_str("</p></li>");
}

/// The part of `Finding.review` the page reads.
#[derive(serde::Deserialize)]
struct ReviewView {
    state: String,
    decision: Option<crate::cli::Decision>,
    reviewer: Option<String>,
    date: Option<crate::date::Date>,
    reason: Option<String>,
    expires: Option<crate::date::Date>,
}

impl ReviewView {
    fn into_review(self) -> Review {
        Review {
            state: State::parse(&self.state).unwrap_or(State::Pending),
            decision: self.decision,
            reviewer: self.reviewer,
            date: self.date,
            reason: self.reason,
            expires: self.expires,
            decided_fingerprint: None,
        }
    }
}

fn row_html(out: &mut String, m: &Matrix, i: usize, r: &Row) {
    let detail = format!("d-{i}");
    let _ = write!(
        out,
        "<tr class=\"prov\" id=\"p-{i}\" aria-controls=\"{detail}\" aria-expanded=\"false\" data-id=\"{id}\">\
<td class=\"pid\"><button type=\"button\" class=\"toggle\" aria-expanded=\"false\" aria-label=\"show findings\">▸</button> <code>{id}</code></td>\
<td class=\"clause\"><strong>{title}</strong><span class=\"excerpt\">{excerpt}</span></td>",
        id = escape(&r.id),
        title = escape(&r.title),
        excerpt = escape(&r.excerpt),
    );
    for j in &m.jurisdictions {
        match r.cells.get(j) {
            Some(c) => {
                // The gravest finding of any status, for the severity filter.
                let max = r
                    .findings
                    .iter()
                    .filter(|f| &*f.jurisdiction == j.as_str())
                    .map(|f| rank(f.severity))
                    .max()
                    .unwrap_or(rank(c.severity));
                let _ = write!(
                    out,
                    "<td class=\"cell sev-{sev} st-{st}\" data-j=\"{j}\" data-sev=\"{rank}\" data-max=\"{max}\" data-review=\"{rv}\" title=\"{j}: {sev} {st}; {regs}; review {rv}\">{sev}<span class=\"mark rv-{rv}\">{mark}</span></td>",
                    j = escape(j),
                    sev = c.severity.as_str(),
                    st = c.status.as_str(),
                    rank = rank(c.severity),
                    rv = c.review.as_str(),
                    regs = escape(&c.regulations.join(", ")),
                    mark = super::table::review_mark(c.review),
                );
            }
            None => {
                let _ = write!(
                    out,
                    "<td class=\"cell empty\" data-j=\"{}\"></td>",
                    escape(j)
                );
            }
        }
    }
    out.push_str("</tr>");
    let _ = write!(
        out,
        "<tr class=\"detail\" id=\"{detail}\" hidden><td colspan=\"{}\">",
        2 + m.jurisdictions.len()
    );
    let _ = write!(
        out,
        "<div class=\"meta\">document <code>{}</code> · text sha256 <code>{}</code></div><blockquote class=\"text\">{}</blockquote>",
        escape(&r.document),
        escape(r.sha256.get(..16).unwrap_or("")),
        escape(&r.text)
    );
    for e in &r.errors {
        let _ = write!(out, "<p class=\"errors\">error: {}</p>", escape(e));
    }
    if r.findings.is_empty() {
        out.push_str("<p class=\"meta\">no findings</p>");
    } else {
        out.push_str("<ul class=\"findings\">");
        for f in &r.findings {
            finding_html(out, f);
        }
        out.push_str("</ul>");
    }
    out.push_str("</td></tr>");
}

/// The page.
pub fn render(m: &Matrix) -> String {
    let mut out = String::with_capacity(4096 + m.provisions.len() * 4096);
    let files = m.files.join(", ");
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\
<title>clausemap flags — {files}</title><style>{STYLE}</style></head><body>\n\
<h1>Jurisdiction flags</h1><p class=\"receipt\">{files} · as of {as_of} · clausemap {v} · {n} provisions</p>\n",
        files = escape(&files),
        as_of = m.as_of,
        v = m.clausemap,
        n = m.provisions.len(),
    );
    out.push_str("<form id=\"filters\" onsubmit=\"return false\"><label>Jurisdiction<select id=\"f-jurisdiction\"><option value=\"\">all</option>");
    for j in &m.jurisdictions {
        let _ = write!(out, "<option value=\"{0}\">{0}</option>", escape(j));
    }
    out.push_str("</select></label><label>Minimum severity<select id=\"f-severity\"><option value=\"\">any</option>");
    for s in Severity::ALL {
        let _ = write!(out, "<option value=\"{}\">{}</option>", rank(s), s.as_str());
    }
    out.push_str(
        "</select></label><label>Review<select id=\"f-review\"><option value=\"\">any</option>",
    );
    for s in State::ALL {
        let _ = write!(out, "<option value=\"{0}\">{0}</option>", s.as_str());
    }
    out.push_str("</select></label><span id=\"count\"></span></form>\n");
    out.push_str("<table id=\"matrix\"><thead><tr><th>Provision</th><th>Clause</th>");
    for j in &m.jurisdictions {
        let _ = write!(out, "<th data-j=\"{0}\">{0}</th>", escape(j));
    }
    out.push_str("</tr></thead><tbody>\n");
    for (i, r) in m.provisions.iter().enumerate() {
        row_html(&mut out, m, i, r);
        out.push('\n');
    }
    out.push_str("</tbody></table><p id=\"none\" hidden>No provision matches these filters.</p>\n");
    out.push_str("<p class=\"legend\">Each cell: the flag's severity in that jurisdiction (italic when undetermined or upcoming) and the review state of its findings: · pending, ✓ confirmed, ✗ dismissed, ! accepted-risk, ~ stale (the text changed since the decision), ⊘ expired. Click a provision to read the clause and its findings.</p>\n");
    let _ = write!(out, "<script>{SCRIPT}</script>\n</body></html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape("<script>\"a\" & 'b'</script>"),
            "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;"
        );
    }
}
