# syntax=docker/dockerfile:1
#
# heroform in two stages: build with the official Swift image, run on Debian slim as a non-root user.
#   docker build -t heroform .
#   docker run -p 8080:8080 -v heroform-data:/var/lib/heroform -e HERO_API_KEY=... heroform
# Without HERO_API_KEY (or hero.api_key_file) it runs in dry-run mode. See docs/deployment.md.

# ---- build ----------------------------------------------------------------------------------------------------
# Same Debian release (bookworm) as the runtime stage, so the shared libraries match. Keep the Swift version in step
# with the one CI tests (6.3).
FROM swift:6.3-bookworm AS build
# Headers for the system libraries heroform links: OpenSSL (libssl, libcrypto), SQLite and zlib.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libssl-dev libsqlite3-dev zlib1g-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first: this layer stays cached while only sources change.
COPY Package.swift ./
RUN swift package resolve
COPY Sources ./Sources
COPY Tests ./Tests
COPY Scripts/build-release.sh ./Scripts/
# As the script says: the Swift runtime and FoundationEssentials go into the binary, so the runtime image needs only
# the C libraries below (checked with `readelf -d`: libssl.so.3, libcrypto.so.3, libsqlite3.so.0, libz.so.1,
# libstdc++, libgcc_s, libm, libc); relocations packed, which bookworm's glibc (2.36) reads. ca-certificates holds
# the roots HERO's certificate is checked against.
RUN bin=$(Scripts/build-release.sh heroform) \
 && install -D -m 0755 "$bin/heroform" /out/heroform \
 && strip /out/heroform

# ---- run ------------------------------------------------------------------------------------------------------
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libssl3 libsqlite3-0 zlib1g libstdc++6 ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /var/lib/heroform --shell /usr/sbin/nologin heroform \
 && mkdir -p /var/lib/heroform /etc/heroform \
 && chown heroform:heroform /var/lib/heroform \
 && chmod 0700 /var/lib/heroform
COPY --from=build /out/heroform /usr/local/bin/heroform
COPY Public /app/Public
# A working default; mount your own over it (read-only) with your forms: -v ./config.json:/etc/heroform/config.json:ro
COPY deploy/config.docker.json /etc/heroform/config.json
WORKDIR /app
USER heroform
# The outbox (SQLite) and the generated form secret live here: keep it on a volume and back it up.
VOLUME ["/var/lib/heroform"]
EXPOSE 8080
# Secrets by environment (HERO_API_KEY, HEROFORM_SECRET) or by file: set hero.api_key_file to /run/secrets/...
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["heroform", "healthcheck", "--config", "/etc/heroform/config.json"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["heroform"]
CMD ["serve", "--config", "/etc/heroform/config.json"]
