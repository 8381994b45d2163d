#!/bin/sh
# The patient interface's texts: extract web/translations/messages.pot from the marked templates and
# views, merge it into each language's messages.po, and compile the .mo files (committed with the .po).
#   scripts/i18n.sh            extract + update + compile
#   scripts/i18n.sh compile    compile only (after editing a .po)
set -e
cd "$(dirname "$0")/.."
PYBABEL="${PYBABEL:-pybabel}"
if [ "$1" != "compile" ]; then
  "$PYBABEL" extract -F babel.cfg -k _l -k N_ --no-location --omit-header --sort-output \
    -o web/translations/messages.pot .
  "$PYBABEL" update -i web/translations/messages.pot -d web/translations --no-wrap
fi
"$PYBABEL" compile -d web/translations --statistics
