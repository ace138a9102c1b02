# syntax=docker/dockerfile:1
# Bulwark: a static binary on a distroless base, run as a non-root user with a
# read-only root filesystem (the compose file and the Helm chart mount what must
# be writable). Build: docker build -t bulwark:dev .
ARG GO_VERSION=1.26

FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# No cgo: the SQLite driver is pure Go, so the binary has no libc to match.
RUN CGO_ENABLED=0 GOFLAGS=-trimpath go build -ldflags "-s -w -X main.version=${VERSION}" -o /out/bulwark ./cmd/bulwark

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/bulwark /usr/local/bin/bulwark
# 65532 is distroless's "nonroot"; numeric so Kubernetes' runAsNonRoot can verify it.
USER 65532:65532
WORKDIR /var/lib/bulwark
EXPOSE 8080 9090 9091
ENTRYPOINT ["/usr/local/bin/bulwark"]
CMD ["serve", "-c", "/etc/bulwark/bulwark.yaml"]
