//! Public vs direct (`--direct URL`): the same matrix against the public URL (through nginx,
//! Caddy or HAProxy) and against the backend itself, and the attribution of the differences.
