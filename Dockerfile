# Multi-stage build: a static binary (pure-Go SQLite, no cgo) on a minimal
# base, running as a non-root user. The SQLite file lives in /data.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/baobei ./cmd/baobei && mkdir -p /out/data
# Fonts for the weekly funnel picture: Chinese glyphs, and Latin for digits.
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends fonts-droid-fallback fonts-dejavu-core

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/baobei /usr/local/bin/baobei
COPY --from=build --chown=65532:65532 /out/data /data
COPY --from=build /usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf /usr/share/fonts/truetype/droid/
COPY --from=build /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf /usr/share/fonts/truetype/dejavu/
WORKDIR /data
ENV BAOBEI_DB=sqlite:///data/baobei.db BAOBEI_ADDR=:8080
EXPOSE 8080
VOLUME /data
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/baobei"]
CMD ["serve"]
