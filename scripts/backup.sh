#!/usr/bin/env bash
# Back up the database (pg_dump, custom format) and the media folder (uploads and certificate
# PDFs) into one timestamped folder. Usage: DATABASE_URL=... MEDIA_ROOT=... scripts/backup.sh [DEST]
# With media on S3 (AWS_STORAGE_BUCKET_NAME), back up the bucket with the provider's
# versioning or `aws s3 sync` instead; this script then dumps the database only.
set -euo pipefail
: "${DATABASE_URL:?set DATABASE_URL}"
dest="${1:-backups}/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$dest"
pg_dump --format=custom --no-owner --file "$dest/database.dump" "$DATABASE_URL"
if [[ -z "${AWS_STORAGE_BUCKET_NAME:-}" && -n "${MEDIA_ROOT:-}" && -d "$MEDIA_ROOT" ]]; then
    tar -C "$MEDIA_ROOT" -czf "$dest/media.tar.gz" .
fi
( cd "$dest" && sha256sum ./* > SHA256SUMS )
echo "$dest"
