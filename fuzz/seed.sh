#!/usr/bin/env bash
# Fill fuzz/corpus/<target>/ with seed inputs taken from the repository (rule packs, example
# provision files, DSL cases, broken-input fixtures). Targets whose first byte picks a mode get
# one seed per mode. Run from anywhere; the corpus folder is not committed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
c="$here/corpus"
mkdir -p "$c"/{dsl_parse,check_pack,provisions,review_ledger,memo_render,classify}

# One seed file per line of a DSL case file (`#` comments and blank lines skipped).
n=0
for f in "$root"/tests/fixtures/dsl/*.txt; do
  while IFS= read -r line; do
    case "$line" in ''|'#'*) continue ;; esac
    n=$((n + 1))
    printf '%s' "${line%%	*}" > "$c/dsl_parse/case-$n"
  done < "$f"
done
# Conditions from the built-in packs.
grep -h "^\s*when: '" "$root"/rules/*.yaml | sed "s/^\s*when: '//; s/'\s*$//" | head -200 |
  while IFS= read -r line; do n=$((n + 1)); printf '%s' "$line" > "$c/dsl_parse/pack-$RANDOM$n"; done

# mode byte + text
seed() { # target mode file name
  { printf "\\x$(printf %02x "$2")"; cat "$3"; } > "$c/$1/$4"
}
for f in "$root"/rules/*.yaml "$root"/tests/fixtures/bad/packs/*/*.yaml; do
  name="$(echo "${f#"$root"/}" | tr / _)"
  case "$f" in
    */vocabulary.yaml) seed check_pack 0 "$f" "$name" ;;
    *) seed check_pack 1 "$f" "$name" ;;
  esac
done
for f in "$root"/examples/*.yaml "$root"/tests/fixtures/provisions/*.yaml \
         "$root"/tests/fixtures/bad/provisions/*; do
  [ -f "$f" ] || continue
  name="$(basename "$f")"
  case "$f" in
    *.json) mode=1 ;;
    *.jsonl) mode=2 ;;
    *) mode=0 ;;
  esac
  seed provisions "$mode" "$f" "$name"
  seed memo_render "$mode" "$f" "$name"
done
# A classified provision with its evidence, as `clausemap classify` writes it (JSON, mode 1).
{ printf '\x01'; cat <<'JSON'
{"entity":{"id":"ev","name":"Evidence & <co>","facts":{"markets":["EU"],"establishments":["FR"]}},
 "document":{"id":"ev-doc","title":"Evidence_doc","url":"https://ev.example/p"},
 "provisions":[{"id":"ev-1","title":"With evidence","text":"We use your data to train <AI> models.",
  "attributes":{"data":["personal"],"purpose":["ai_training"],"legal_basis":"unspecified"},
  "evidence":[{"attribute":"purpose","value":"ai_training","pattern":"train(ing)? <\\w+>","start":25,"end":40,"text":"train <AI> models"},
              {"attribute":"data","value":"personal","pattern":"your data","start":7,"end":16,"text":"your data"}]}]}
JSON
} > "$c/memo_render/evidence.json"
for f in "$root"/tests/fixtures/bad/ledgers/* "$root"/tests/fixtures/review/*.yaml; do
  [ -f "$f" ] || continue
  cp "$f" "$c/review_ledger/$(basename "$f")"
done
cat > "$c/review_ledger/minimal.yaml" <<'YAML'
version: 1
decisions:
  - fingerprint: 0f343b0931126a20f133d67c2b018a3b0f343b0931126a20f133d67c2b018a3b
    rule: gdpr.art6.ai-training-basis
    provision: CA-P-000646
    document: CA-D-00090
    decision: confirmed
    reviewer: ana
    date: 2026-11-01
    reason: "the clause says so"
    expires: 2027-11-01
    history:
      - decision: dismissed
        reviewer: bo
        date: 2026-10-01
        reason: first look
YAML
for f in "$root"/examples/*.yaml; do
  python3 - "$f" "$c/classify" <<'PY'
import sys, re, os
text = open(sys.argv[1], encoding="utf-8").read()
out = sys.argv[2]
for i, m in enumerate(re.finditer(r'^\s*text: "(.*)"\s*$', text, re.M)):
    for mode in (0, 1, 2):
        body = m.group(1)
        if mode == 0:
            body = "<html><body><h2>Section</h2><p>" + body + "</p><ul><li>one</li></ul></body></html>"
        with open(os.path.join(out, f"clause-{i}-{mode}"), "wb") as f:
            f.write(bytes([mode]) + body.encode())
PY
done
echo "seeded: $(for d in "$c"/*; do printf '%s=%s ' "$(basename "$d")" "$(ls "$d" | wc -l)"; done)"
