#!/usr/bin/env bash
# Restore drill: prove a backup restores. Restores BACKUP_DIR (made by scripts/backup.sh) into a
# scratch database and media folder, migrates, and runs check_consistency against them (which
# re-hashes every certificate PDF against its recorded SHA-256), then drops the scratch copy.
# Never touches the live database. Usage:
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/academy scripts/restore_drill.sh backups/20261201T210000Z
# Exit status 0 means the backup restored and is consistent.
set -euo pipefail
backup="${1:?usage: scripts/restore_drill.sh BACKUP_DIR}"
: "${DATABASE_URL:?set DATABASE_URL (the server to restore onto; its database is not touched)}"
cd "$(dirname "$0")/.."
python="${PYTHON:-.venv/bin/python}"
( cd "$backup" && sha256sum --check --quiet SHA256SUMS )

scratch="academy_restore_drill_$(date -u +%s)"
server_url="${DATABASE_URL%/*}"
drill_url="$server_url/$scratch"
work="$(mktemp -d)"
cleanup() {
    psql "$server_url/postgres" -qc "DROP DATABASE IF EXISTS \"$scratch\"" >/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

psql "$server_url/postgres" -qc "CREATE DATABASE \"$scratch\"" >/dev/null
pg_restore --no-owner --dbname "$drill_url" "$backup/database.dump"
mkdir -p "$work/media"
if [[ -f "$backup/media.tar.gz" ]]; then
    tar -C "$work/media" -xzf "$backup/media.tar.gz"
fi

export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-training_site.settings.production}"
export SECRET_KEY="${SECRET_KEY:-restore-drill-only-$(head -c 24 /dev/urandom | base64)}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
export DATABASE_URL="$drill_url" MEDIA_ROOT="$work/media" VAR_DIR="$work"
unset AWS_STORAGE_BUCKET_NAME
"$python" manage.py migrate --noinput -v0
"$python" manage.py check_consistency
echo "Restore drill passed: $backup restores into a consistent site."
