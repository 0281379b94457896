//! Lab tests: real nginx, Caddy, HAProxy and apps on loopback, one test per field report.
