#!/bin/sh
# Entry point of the image. On ECS the database credentials arrive as separate secrets
# (DB_HOST, DB_PORT, DB_NAME, DB_USER, DB_PASSWORD: the keys of the secret RDS generates), while
# the app reads one DATABASE_URL (libs/config). This builds it, percent-encoding user and
# password, when DATABASE_URL is unset and DB_HOST is set; otherwise it changes nothing.
set -eu
if [ -z "${DATABASE_URL:-}" ] && [ -n "${DB_HOST:-}" ]; then
  DATABASE_URL=$(node -e '
    const e = process.env, enc = encodeURIComponent;
    process.stdout.write(`postgres://${enc(e.DB_USER)}:${enc(e.DB_PASSWORD)}@${e.DB_HOST}:${e.DB_PORT || 5432}/${enc(e.DB_NAME || "postgres")}`);
  ')
  export DATABASE_URL
fi
exec "$@"
