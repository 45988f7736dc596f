//! Deterministic synthetic corpora for benchmarks: provision files whose attributes are drawn
//! from the vocabulary with a seeded generator, so every run measures the same input.

use std::fmt::Write as _;

use crate::rules::RuleSet;
use crate::vocab::ValueType;

/// A small, fast, seeded generator (xorshift64*); not for anything but test data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }
}

const WORDS: &[&str] = &[
    "we",
    "may",
    "use",
    "your",
    "personal",
    "data",
    "to",
    "improve",
    "develop",
    "and",
    "provide",
    "our",
    "services",
    "including",
    "training",
    "artificial",
    "intelligence",
    "models",
    "share",
    "with",
    "affiliates",
    "partners",
    "for",
    "advertising",
    "you",
    "can",
    "opt",
    "out",
    "in",
    "settings",
    "content",
    "posts",
    "profile",
    "information",
    "legitimate",
    "interests",
];

/// How densely the synthetic provisions are classified.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Profile {
    /// Every attribute stated with probability 0.35 (about 5.6 per provision): many rules
    /// fire, the worst case for output size.
    #[default]
    Dense,
    /// As many attributes per provision, and these attributes, as clausemap's classifier
    /// states on real policies (about 1.8 per provision; see `CLASSIFIED_*`).
    Classified,
}

/// How many provisions had 0, 1, 2, ... attributes when the 32 policies of the corpus's
/// `platform-policies` (4,445 provisions) were classified by `clausemap classify`.
const CLASSIFIED_COUNTS: [usize; 10] = [1261, 1056, 806, 581, 372, 200, 93, 52, 15, 9];

/// How often each attribute was stated in that run.
const CLASSIFIED_ATTRIBUTES: [(&str, usize); 14] = [
    ("topic", 2330),
    ("data", 1538),
    ("purpose", 1326),
    ("subjects", 740),
    ("recipients", 672),
    ("source", 322),
    ("consent", 294),
    ("user_choices", 291),
    ("legal_basis", 174),
    ("ai", 153),
    ("retention", 143),
    ("decision_domain", 24),
    ("transfers", 14),
    ("practice", 1),
];

fn weighted<T: Copy>(rng: &mut Rng, items: &[(T, usize)]) -> T {
    let total: usize = items.iter().map(|(_, w)| w).sum();
    let mut pick = rng.below(total.max(1));
    for &(item, w) in items {
        if pick < w {
            return item;
        }
        pick -= w;
    }
    items[0].0
}

/// `documents` JSON Lines documents of `per_document` provisions each, about 460 characters of
/// text per provision, attributes drawn from the vocabulary.
pub fn provisions_jsonl(set: &RuleSet, total: usize, per_document: usize, seed: u64) -> String {
    provisions_jsonl_with(set, total, per_document, seed, Profile::Dense)
}

/// [`provisions_jsonl`] with a choice of how densely provisions are classified.
pub fn provisions_jsonl_with(
    set: &RuleSet,
    total: usize,
    per_document: usize,
    seed: u64,
    profile: Profile,
) -> String {
    let mut rng = Rng::new(seed);
    let vocab = &set.vocab;
    let markets = [
        "EU", "UK", "US", "US-CA", "US-CO", "US-TX", "US-IL", "IE", "DE",
    ];
    let mut out = String::new();
    let per_document = per_document.max(1);
    let mut made = 0;
    let mut doc = 0;
    while made < total {
        let n = per_document.min(total - made);
        let mut m: Vec<&str> = markets.iter().copied().filter(|_| rng.chance(50)).collect();
        if m.is_empty() {
            m.push("EU");
        }
        let _ = write!(
            out,
            "{{\"entity\":{{\"id\":\"entity-{doc}\",\"facts\":{{\"markets\":{},\"establishments\":[\"US\"],\"annual_revenue_usd\":{},\"roles\":[\"controller\",\"ai_developer\"]}}}},\"document\":{{\"id\":\"doc-{doc}\",\"updated\":\"2026-05-05\"}},\"provisions\":[",
            serde_json::to_string(&m).unwrap_or_default(),
            10_000_000 + rng.below(100) * 1_000_000
        );
        for i in 0..n {
            if i > 0 {
                out.push(',');
            }
            let mut text = String::new();
            while text.len() < 460 {
                if !text.is_empty() {
                    text.push(' ');
                }
                text.push_str(WORDS[rng.below(WORDS.len())]);
            }
            let mut attrs = serde_json::Map::new();
            // Dense: each attribute on its own chance. Classified: a count of attributes drawn
            // as the classifier states them, then which ones by how often it states each.
            let chosen: Option<Vec<&str>> = (profile == Profile::Classified).then(|| {
                let counts: Vec<(usize, usize)> =
                    CLASSIFIED_COUNTS.iter().copied().enumerate().collect();
                let k = weighted(&mut rng, &counts);
                let mut names: Vec<&str> = Vec::new();
                while names.len() < k {
                    let name = weighted(&mut rng, &CLASSIFIED_ATTRIBUTES);
                    if !names.contains(&name) {
                        names.push(name);
                    }
                }
                names
            });
            for field in &vocab.attributes {
                let stated = match &chosen {
                    Some(names) => names.contains(&field.name.as_str()),
                    None => rng.chance(35),
                };
                if !stated {
                    continue;
                }
                let value = match &field.ty {
                    ValueType::Set(t) => {
                        let tax = &vocab.taxonomies[*t];
                        let k = match profile {
                            Profile::Dense => 1 + rng.below(2),
                            // 1.48 values per stated attribute in the classified run.
                            Profile::Classified => 1 + usize::from(rng.chance(48)),
                        };
                        let mut vals: Vec<String> = (0..k)
                            .map(|_| tax.values[rng.below(tax.values.len())].clone())
                            .collect();
                        vals.sort();
                        vals.dedup();
                        serde_json::json!(vals)
                    }
                    ValueType::OneOf(values) => serde_json::json!(values[rng.below(values.len())]),
                    _ => continue,
                };
                attrs.insert(field.name.clone(), value);
            }
            let provision = serde_json::json!({
                "id": format!("p-{doc}-{i}"),
                "text": text,
                "attributes": attrs,
            });
            out.push_str(&provision.to_string());
        }
        out.push_str("]}\n");
        made += n;
        doc += 1;
    }
    out
}

/// A synthetic pack of `rules` finding rules over the vocabulary, a tenth of them `fact` rules
/// that others refer to, so that the dependency graph has depth. Conditions mix `has`,
/// `has any`, one-of comparisons, `not` and `or`, like the built-in packs.
pub fn pack_yaml(set: &RuleSet, rules: usize, seed: u64) -> String {
    let mut rng = Rng::new(seed);
    let vocab = &set.vocab;
    let sets: Vec<(&str, &Vec<String>)> = vocab
        .attributes
        .iter()
        .filter_map(|f| match &f.ty {
            ValueType::Set(t) if f.name != "regions_excluded" && f.name != "transfers" => {
                Some((f.name.as_str(), &vocab.taxonomies[*t].values))
            }
            _ => None,
        })
        .collect();
    let ones: Vec<(&str, &Vec<String>)> = vocab
        .attributes
        .iter()
        .filter_map(|f| match &f.ty {
            ValueType::OneOf(v) => Some((f.name.as_str(), v)),
            _ => None,
        })
        .collect();
    let mut out = String::from(
        "regulation: Synthetic\nname: Synthetic rules\ncitation: none\njurisdiction: EU\nin_force: 2000-01-01\nsource: https://example.org/synthetic\npenalties: none\nagencies: [Nobody]\narticles:\n  \"Art. 1\": Synthetic\nrules:\n  - id: syn.scope\n    kind: scope\n    article: \"Art. 1\"\n    title: scope\n    when: 'entity.markets has \"EU\"'\n",
    );
    let facts = (rules / 10).max(1);
    let atom = |rng: &mut Rng| -> String {
        if rng.chance(70) && !sets.is_empty() {
            let (name, values) = sets[rng.below(sets.len())];
            if rng.chance(50) {
                format!("{name} has \"{}\"", values[rng.below(values.len())])
            } else {
                let a = &values[rng.below(values.len())];
                let b = &values[rng.below(values.len())];
                format!("{name} has any [\"{a}\", \"{b}\"]")
            }
        } else if !ones.is_empty() {
            let (name, values) = ones[rng.below(ones.len())];
            format!("{name} == \"{}\"", values[rng.below(values.len())])
        } else {
            "true".to_string()
        }
    };
    for i in 0..rules {
        let fact = i < facts;
        let mut cond = format!("{} and {}", atom(&mut rng), atom(&mut rng));
        if rng.chance(30) {
            cond = format!("{cond} and not {}", atom(&mut rng));
        }
        if rng.chance(30) {
            cond = format!("({cond}) or {}", atom(&mut rng));
        }
        if !fact && rng.chance(40) {
            cond = format!("@syn.fact{} and {cond}", rng.below(facts));
        }
        let id = if fact {
            format!("syn.fact{i}")
        } else {
            format!("syn.r{i}")
        };
        let kind = if fact { "fact" } else { "finding" };
        let _ = write!(
            out,
            "  - id: {id}\n    kind: {kind}\n    article: \"Art. 1\"\n    title: rule {i}\n    when: '{}'\n    severity: {}\n    obligation: Synthetic obligation {i}.\n",
            cond.replace('\'', "''"),
            ["low", "medium", "high", "critical"][rng.below(4)]
        );
    }
    out
}
