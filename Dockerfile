# private-gke as a container image: one static binary, run as nobody, nothing else.
#
#   docker build -t localhost/private-gke:v0.1.0 .                      # compile from source (needs the rust image)
#   cargo build --release --locked --target x86_64-unknown-linux-gnu   # with RUSTFLAGS below, then:
#   docker build --target prebuilt -t localhost/private-gke:v0.1.0 .    # package the host-built binary
ARG RUST_IMAGE=docker.io/library/rust:1.95-slim-bookworm

FROM ${RUST_IMAGE} AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY benches ./benches
ENV RUSTFLAGS="-C target-feature=+crt-static"
RUN cargo build --release --locked --target x86_64-unknown-linux-gnu --bin private-gke \
    && cp target/x86_64-unknown-linux-gnu/release/private-gke /private-gke

FROM scratch AS image
LABEL org.opencontainers.image.title="private-gke" \
      org.opencontainers.image.description="KRM function: a Kubeflow-on-GCP Config Connector blueprint as a private GKE deployment" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="0.1.0"
COPY container/passwd /etc/passwd
COPY container/group /etc/group
COPY --from=build /private-gke /usr/local/bin/private-gke
# /etc/passwd above maps nobody to uid 65534, so the name resolves inside the image.
# hadolint ignore=DL3066
USER nobody
ENTRYPOINT ["/usr/local/bin/private-gke"]

FROM scratch AS prebuilt
# Where the host build put the static binary (relative to the build context).
ARG BINARY=target/x86_64-unknown-linux-gnu/release/private-gke
LABEL org.opencontainers.image.title="private-gke" \
      org.opencontainers.image.description="KRM function: a Kubeflow-on-GCP Config Connector blueprint as a private GKE deployment" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="0.1.0"
COPY container/passwd /etc/passwd
COPY container/group /etc/group
COPY ${BINARY} /usr/local/bin/private-gke
# /etc/passwd above maps nobody to uid 65534, so the name resolves inside the image.
# hadolint ignore=DL3066
USER nobody
ENTRYPOINT ["/usr/local/bin/private-gke"]
