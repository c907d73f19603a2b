# Where the tasks run: the subnets named, or else the default subnets of the account's default VPC
# (public, so the tasks get public IPs to reach Trellis, the AWS APIs and the registry without a
# NAT). Security: the groups named, or else one of its own with no inbound rule at all and
# outbound TCP to 443 (AWS APIs, ECR, EKS endpoints) and Trellis's port only.

locals {
  default_vpc        = length(var.subnet_ids) == 0
  own_group          = length(var.security_group_ids) == 0
  subnet_ids         = local.default_vpc ? data.aws_subnets.default[0].ids : var.subnet_ids
  public_ip          = var.assign_public_ip == null ? local.default_vpc : var.assign_public_ip
  trellis_port       = try(tonumber(regex("^https?://[^/:]+:(\\d+)", var.trellis_url)[0]), startswith(var.trellis_url, "https://") ? 443 : 80)
  egress_ports       = toset([for p in distinct([443, local.trellis_port]) : tostring(p)])
  vpc_id             = local.default_vpc ? data.aws_vpc.default[0].id : try(data.aws_subnet.first[0].vpc_id, null)
  security_group_ids = local.own_group ? [aws_security_group.tendril[0].id] : var.security_group_ids
}

data "aws_vpc" "default" {
  count   = local.default_vpc ? 1 : 0
  default = true
}

data "aws_subnets" "default" {
  count = local.default_vpc ? 1 : 0
  filter {
    name   = "vpc-id"
    values = [data.aws_vpc.default[0].id]
  }
  filter {
    name   = "default-for-az"
    values = ["true"]
  }
}

# The VPC of the subnets named, for a security group of its own.
data "aws_subnet" "first" {
  count = !local.default_vpc && local.own_group ? 1 : 0
  id    = var.subnet_ids[0]
}

resource "aws_security_group" "tendril" {
  count       = local.own_group ? 1 : 0
  name        = "${local.name}-tasks"
  description = "Vintner Tendrils of pool ${var.pool_id}: outbound HTTPS and Trellis only"
  vpc_id      = local.vpc_id
  tags        = merge(local.tags, { Name = "${local.name}-tasks" })
}

resource "aws_vpc_security_group_egress_rule" "tendril" {
  for_each          = local.own_group ? local.egress_ports : toset([])
  security_group_id = aws_security_group.tendril[0].id
  description       = each.value == "443" ? "HTTPS: AWS APIs, ECR, EKS, Trellis" : "Trellis"
  ip_protocol       = "tcp"
  from_port         = tonumber(each.value)
  to_port           = tonumber(each.value)
  cidr_ipv4         = "0.0.0.0/0"
  tags              = local.tags
}
