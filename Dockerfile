# syntax=docker/dockerfile:1
#
# The Tendril image: a Tendril alone (`npm run worker`, bin/tendril.ts) with Node.js 20, Terraform,
# the AWS CLI v2 (the aws target's Helm provider authenticates with `aws eks get-token`) and the
# providers of the Terraform targets it runs, baked in: at run time it downloads nothing. It runs
# as an unprivileged user and holds no secret: an in-account Tendril gets TRELLIS_URL and
# TENDRIL_TOKEN (a pool token) from its environment (docs/clouds/aws-tendril.md, README "The
# Tendril image").
#
#   docker build -t vintner-tendril:0.1.0 .                          # x86_64
#   docker buildx build --platform linux/arm64 -t vintner-tendril:0.1.0-arm64 .
#   docker run --rm -e TRELLIS_URL=https://vintner.example.com -e TENDRIL_TOKEN vintner-tendril:0.1.0
#
# Building downloads, and verifies: Terraform from HashiCorp (its SHA-256 pinned below), the
# Terraform providers (`terraform providers mirror`: the registry's signed checksums), the npm
# packages (npm ci: the lockfile's integrity hashes) and Debian packages (apt: Debian's signatures).
# The AWS CLI v2 is Debian bookworm's own `awscli` package (2.9.19, v2 — `aws eks get-token`
# answers a client.authentication.k8s.io/v1beta1 ExecCredential, offline); `--build-arg
# AWS_CLI=upstream` installs AWS's own newer build instead (AWS_CLI_VERSION), its PGP signature
# checked against AWS's signing key by fingerprint.

ARG NODE_IMAGE=node:20.19.5-bookworm-slim

# -------------------------------------------------------------------------------- npm packages
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# No dev dependencies; no install scripts (the only one of a runtime package that matters, Grape's
# build, is not needed by a Tendril).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# -------------------------------------------------------------- Terraform, AWS CLI, providers
FROM ${NODE_IMAGE} AS tools
ARG TARGETARCH
ARG TERRAFORM_VERSION=1.11.4
ARG TERRAFORM_SHA256_AMD64=1ce994251c00281d6845f0f268637ba50c0005657eb3cf096b92f753b42ef4dc
ARG TERRAFORM_SHA256_ARM64=a43d1d0da9b9bab214a8305a39db0e40869572594ccf50c416a7756499143633
# debian: bookworm's awscli package; upstream: AWS's zip of AWS_CLI_VERSION, signature checked.
ARG AWS_CLI=debian
ARG AWS_CLI_VERSION=2.22.35
# AWS's published signing key of the AWS CLI (docs: "Installing or updating the AWS CLI").
ARG AWS_CLI_PGP_FINGERPRINT=FB5DB77FD5C118B80511ADA8A6310ACC4672475C
ARG AWS_CLI_PGP_KEYSERVER=hkps://keyserver.ubuntu.com
# Optional with upstream: the zip's SHA-256 for your architecture, checked on top of the signature.
ARG AWS_CLI_SHA256=
# The targets whose providers are baked in (their directories under terraform/).
ARG TERRAFORM_TARGETS=aws

RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl unzip gnupg dirmngr \
 && rm -rf /var/lib/apt/lists/*

SHELL ["/bin/bash", "-eo", "pipefail", "-c"]

RUN case "${TARGETARCH:-amd64}" in \
      amd64) arch=amd64; sum="${TERRAFORM_SHA256_AMD64}" ;; \
      arm64) arch=arm64; sum="${TERRAFORM_SHA256_ARM64}" ;; \
      *) echo "unsupported architecture ${TARGETARCH}" >&2; exit 1 ;; \
    esac \
 && curl -fsSLo /tmp/terraform.zip "https://releases.hashicorp.com/terraform/${TERRAFORM_VERSION}/terraform_${TERRAFORM_VERSION}_linux_${arch}.zip" \
 && echo "${sum}  /tmp/terraform.zip" | sha256sum -c - \
 && unzip -q /tmp/terraform.zip terraform -d /usr/local/bin \
 && rm /tmp/terraform.zip \
 && terraform version | grep -q "^Terraform v${TERRAFORM_VERSION}$"

RUN mkdir -p /opt/aws-cli \
 && if [ "${AWS_CLI}" = debian ]; then exit 0; fi \
 && [ "${AWS_CLI}" = upstream ] || { echo "AWS_CLI must be debian or upstream" >&2; exit 1; } \
 && case "${TARGETARCH:-amd64}" in \
      amd64) arch=x86_64 ;; \
      arm64) arch=aarch64 ;; \
      *) echo "unsupported architecture ${TARGETARCH}" >&2; exit 1 ;; \
    esac \
 && cd /tmp \
 && curl -fsSLo awscli.zip "https://awscli.amazonaws.com/awscli-exe-linux-${arch}-${AWS_CLI_VERSION}.zip" \
 && curl -fsSLo awscli.zip.sig "https://awscli.amazonaws.com/awscli-exe-linux-${arch}-${AWS_CLI_VERSION}.zip.sig" \
 && if [ -n "${AWS_CLI_SHA256}" ]; then echo "${AWS_CLI_SHA256}  awscli.zip" | sha256sum -c -; fi \
 && export GNUPGHOME="$(mktemp -d)" \
 && gpg --batch --keyserver "${AWS_CLI_PGP_KEYSERVER}" --recv-keys "${AWS_CLI_PGP_FINGERPRINT}" \
 && gpg --batch --status-fd 1 --verify awscli.zip.sig awscli.zip | grep -q "^\[GNUPG:\] VALIDSIG ${AWS_CLI_PGP_FINGERPRINT} " \
 && rm -rf "${GNUPGHOME}" \
 && unzip -q awscli.zip \
 && ./aws/install --install-dir /opt/aws-cli --bin-dir /usr/local/bin \
 && rm -rf aws awscli.zip awscli.zip.sig \
 && aws --version | grep -q "^aws-cli/${AWS_CLI_VERSION} "

# The providers in Terraform's implied local mirror (/usr/local/share/terraform/plugins, one of
# the XDG data directories), unpacked: `terraform init` links them into each work directory instead
# of copying hundreds of MB per job, and never asks the registry for them.
COPY terraform/ /src/terraform/
RUN case "${TARGETARCH:-amd64}" in amd64|arm64) platform="linux_${TARGETARCH:-amd64}" ;; *) exit 1 ;; esac \
 && for target in ${TERRAFORM_TARGETS}; do \
      test -d "/src/terraform/${target}" || { echo "terraform/${target} not found" >&2; exit 1; }; \
      terraform -chdir="/src/terraform/${target}" providers mirror -platform="${platform}" /tmp/packed; \
    done \
 && find /tmp/packed -name '*.zip' | while read -r zip; do \
      rel="${zip#/tmp/packed/}"; dir="$(dirname "${rel}")"; file="$(basename "${zip}" .zip)"; \
      version="$(echo "${file}" | cut -d_ -f2)"; \
      dest="/usr/local/share/terraform/plugins/${dir}/${version}/${platform}"; \
      mkdir -p "${dest}" && unzip -q -o "${zip}" -d "${dest}"; \
    done \
 && rm -rf /tmp/packed /src/terraform \
 && chmod -R a+rX /usr/local/share/terraform

# ----------------------------------------------------------------------------------- the image
FROM ${NODE_IMAGE}
ARG AWS_CLI=debian
ENV NODE_ENV=production \
    CHECKPOINT_DISABLE=1 \
    VINTNER_DATA_DIR=/tmp/vintner \
    LOG_FORMAT=json

SHELL ["/bin/bash", "-eo", "pipefail", "-c"]

COPY --from=tools /usr/local/bin/terraform /usr/local/bin/terraform
COPY --from=tools /usr/local/share/terraform/plugins /usr/local/share/terraform/plugins
COPY --from=tools /opt/aws-cli /opt/aws-cli

# Terraform (a Go program) checks TLS against the system's certificates.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && if [ "${AWS_CLI}" = debian ]; then apt-get install -y --no-install-recommends 'awscli=2.9.19*'; \
    else ln -s /opt/aws-cli/v2/current/bin/aws /usr/local/bin/aws; fi \
 && rm -rf /var/lib/apt/lists/* \
 && aws --version | grep -q '^aws-cli/2\.' \
 && groupadd --system --gid 10001 tendril \
 && useradd --system --uid 10001 --gid tendril --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin tendril

WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY bin/ ./bin/
COPY src/ ./src/
COPY migrations/ ./migrations/
COPY terraform/ ./terraform/
COPY data/ ./data/

# Owned by root, read-only for the Tendril; it writes to /tmp only (its Terraform work
# directories), so the container can run with a read-only root filesystem and /tmp mounted.
USER tendril:tendril
ENTRYPOINT ["node", "--import", "tsx", "bin/tendril.ts"]
