#!/usr/bin/env bash
# Render every dashboard chart, light and dark, from fresh demo data into docs/charts/.
#   scripts/charts.sh            (uses ./.venv; takes about a minute)
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export BILLBOOK_HOME="$work" BILLBOOK_USER=owner BILLBOOK_PASSWORD="charts-$RANDOM-pass"
bb=.venv/bin/billbook
$bb init --admin owner --shop-name "Sahyadri Kirana" --state-code 27 >/dev/null
$bb demo --products 300 --customers 600 --invoices 8000 --days 365 >/dev/null
to=$(date +%F); from=$(date -d '-365 days' +%F)
for name in sales distribution credits customers hours heatmap retention products products-qty categories payments dues stock; do
  for theme in light dark; do
    $bb report chart "$name" --from "$from" --to "$to" --theme "$theme" --out "docs/charts/$name-$theme.png" >/dev/null
  done
done
echo "charts written to docs/charts/"
