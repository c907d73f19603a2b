# network: a VPC with public and private subnets, an internet gateway, NAT gateways and route
# tables — or, with existing_network_id, an existing VPC and its subnets read, nothing created.
#
# Subnets: private subnets in max(az_count, 2) zones, because an RDS subnet group and the EKS
# control plane both need two zones (private subnets cost nothing); public subnets, NAT gateways and
# the EKS nodes in az_count zones, so a development vine (az_count 1) still runs in one zone.
# Each subnet is a /20 of a /16 (newbits 4): private ones from the start of the range, public ones
# from its second half.

variable "network" {
  type    = any
  default = null
}

locals {
  network        = { for _, c in { x = var.network } : try(c.name, "network") => c if c != null }
  network_create = { for k, c in local.network : k => c if try(c.existing_network_id, null) == null }
  network_adopt  = { for k, c in local.network : k => c if try(c.existing_network_id, null) != null }

  net_key  = one(keys(local.network))
  az_count = try(local.network[local.net_key].az_count, 1)
  nat_mode = try(local.network[local.net_key].nat_gateway, "single")
  nat_count = {
    for k, c in local.network_create : k => lookup({ none = 0, single = 1 }, try(c.nat_gateway, "single"), try(c.az_count, 1))
  }

  private_subnets = merge([
    for k, c in local.network_create : {
      for i in range(max(try(c.az_count, 1), 2)) : "${k}/${i}" => { network = k, index = i }
    }
  ]...)
  public_subnets = merge([
    for k, c in local.network_create : {
      for i in range(try(c.az_count, 1)) : "${k}/${i}" => { network = k, index = i }
    }
  ]...)
  nat_gateways = merge([
    for k, c in local.network_create : {
      for i in range(local.nat_count[k]) : "${k}/${i}" => { network = k, index = i }
    }
  ]...)

  # What the other kinds use, whichever way the network came.
  vpc_id = one(concat([for v in aws_vpc.network : v.id], [for v in data.aws_vpc.network : v.id]))
  vpc_cidr = one(concat(
    [for v in aws_vpc.network : v.cidr_block],
    [for v in data.aws_vpc.network : v.cidr_block],
  ))
  private_subnet_ids = local.net_key == null ? [] : concat(
    [for key, s in local.private_subnets : aws_subnet.network__private[key].id],
    flatten([for v in data.aws_subnets.network__private : v.ids]),
  )
  # EKS nodes: the private subnets of the first az_count zones (all of an adopted network's).
  node_subnet_ids = local.net_key == null ? [] : concat(
    [for key, s in local.private_subnets : aws_subnet.network__private[key].id if s.index < local.az_count],
    flatten([for v in data.aws_subnets.network__private : v.ids]),
  )
  # An adopted network may have NAT or not; a created one has it unless nat_gateway = "none".
  network_has_egress = length(local.network_adopt) > 0 || (length(local.network_create) > 0 && local.nat_mode != "none")
}

data "aws_availability_zones" "network" {
  for_each = local.network_create
  state    = "available"
  # Regular zones only (no Local or Wavelength Zones: no NAT gateway, EKS or RDS there), and not
  # the zones where EKS places no control plane (their letters differ per account).
  exclude_zone_ids = ["use1-az3", "usw1-az2", "cac1-az3"]
  filter {
    name   = "opt-in-status"
    values = ["opt-in-not-required"]
  }
}

resource "aws_vpc" "network" {
  for_each             = local.network_create
  cidr_block           = each.value.cidr_block
  enable_dns_support   = true
  enable_dns_hostnames = true # EKS nodes and private hosted zones need both
  tags                 = { Name = local.rn["network/${each.key}"] }

  lifecycle {
    precondition {
      condition     = tonumber(split("/", each.value.cidr_block)[1]) <= 24
      error_message = "network.cidr_block: AWS needs /24 or larger (each subnet is a sixteenth of it and AWS subnets are /28 at least)."
    }
    precondition {
      condition     = length(data.aws_availability_zones.network[each.key].names) >= max(try(each.value.az_count, 1), 2)
      error_message = "network.az_count: ${var.region} has ${length(data.aws_availability_zones.network[each.key].names)} availability zones."
    }
  }
}

# The default security group of the VPC allows all traffic between its members: take every rule
# away (nothing here uses it; each database and cache has its own group).
resource "aws_default_security_group" "network__default" {
  for_each = local.network_create
  vpc_id   = aws_vpc.network[each.key].id
  tags     = { Name = "${local.rn["network/${each.key}"]}-default-deny" }
}

resource "aws_subnet" "network__private" {
  for_each          = local.private_subnets
  vpc_id            = aws_vpc.network[each.value.network].id
  cidr_block        = cidrsubnet(aws_vpc.network[each.value.network].cidr_block, 4, each.value.index)
  availability_zone = data.aws_availability_zones.network[each.value.network].names[each.value.index]
  tags = {
    Name                              = "${local.rn["network/${each.value.network}"]}-private-${each.value.index}"
    "kubernetes.io/role/internal-elb" = "1"
  }
}

resource "aws_subnet" "network__public" {
  for_each          = local.public_subnets
  vpc_id            = aws_vpc.network[each.value.network].id
  cidr_block        = cidrsubnet(aws_vpc.network[each.value.network].cidr_block, 4, each.value.index + 8)
  availability_zone = data.aws_availability_zones.network[each.value.network].names[each.value.index]
  # No public IP on launch: nothing of a vine runs in a public subnet but NAT gateways and the load
  # balancers Kubernetes creates.
  map_public_ip_on_launch = false
  tags = {
    Name                     = "${local.rn["network/${each.value.network}"]}-public-${each.value.index}"
    "kubernetes.io/role/elb" = "1"
  }
}

resource "aws_internet_gateway" "network" {
  for_each = local.network_create
  vpc_id   = aws_vpc.network[each.key].id
  tags     = { Name = local.rn["network/${each.key}"] }
}

resource "aws_eip" "network__nat" {
  for_each   = local.nat_gateways
  domain     = "vpc"
  tags       = { Name = "${local.rn["network/${each.value.network}"]}-nat-${each.value.index}" }
  depends_on = [aws_internet_gateway.network]
}

resource "aws_nat_gateway" "network__nat" {
  for_each      = local.nat_gateways
  allocation_id = aws_eip.network__nat[each.key].id
  subnet_id     = aws_subnet.network__public[each.key].id
  tags          = { Name = "${local.rn["network/${each.value.network}"]}-nat-${each.value.index}" }
  depends_on    = [aws_internet_gateway.network]
}

resource "aws_route_table" "network__public" {
  for_each = local.network_create
  vpc_id   = aws_vpc.network[each.key].id
  tags     = { Name = "${local.rn["network/${each.key}"]}-public" }
}

resource "aws_route" "network__public_internet" {
  for_each               = local.network_create
  route_table_id         = aws_route_table.network__public[each.key].id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway.network[each.key].id
}

resource "aws_route_table_association" "network__public" {
  for_each       = local.public_subnets
  subnet_id      = aws_subnet.network__public[each.key].id
  route_table_id = aws_route_table.network__public[each.value.network].id
}

# One private route table per private subnet, so per_az keeps each zone's traffic on its own NAT
# gateway (a zone without one — the second zone of a one-zone network — uses the first).
resource "aws_route_table" "network__private" {
  for_each = local.private_subnets
  vpc_id   = aws_vpc.network[each.value.network].id
  tags     = { Name = "${local.rn["network/${each.value.network}"]}-private-${each.value.index}" }
}

resource "aws_route" "network__private_nat" {
  for_each               = { for key, s in local.private_subnets : key => s if local.nat_count[s.network] > 0 }
  route_table_id         = aws_route_table.network__private[each.key].id
  destination_cidr_block = "0.0.0.0/0"
  nat_gateway_id         = aws_nat_gateway.network__nat["${each.value.network}/${each.value.index % local.nat_count[each.value.network]}"].id
}

resource "aws_route_table_association" "network__private" {
  for_each       = local.private_subnets
  subnet_id      = aws_subnet.network__private[each.key].id
  route_table_id = aws_route_table.network__private[each.key].id
}

# Adoption: the existing VPC and its subnets, read. Subnets are told apart by the tags EKS and the
# AWS Load Balancer Controller already rely on (and that this target's own subnets carry):
# `kubernetes.io/role/internal-elb` private, `kubernetes.io/role/elb` public.
data "aws_vpc" "network" {
  for_each = local.network_adopt
  id       = each.value.existing_network_id
}

data "aws_subnets" "network__private" {
  for_each = local.network_adopt
  filter {
    name   = "vpc-id"
    values = [data.aws_vpc.network[each.key].id]
  }
  filter {
    name   = "tag-key"
    values = ["kubernetes.io/role/internal-elb"]
  }
}

data "aws_subnets" "network__public" {
  for_each = local.network_adopt
  filter {
    name   = "vpc-id"
    values = [data.aws_vpc.network[each.key].id]
  }
  filter {
    name   = "tag-key"
    values = ["kubernetes.io/role/elb"]
  }
}

data "aws_subnet" "network__private" {
  for_each = merge([
    for k, v in data.aws_subnets.network__private : { for id in v.ids : "${k}/${id}" => id }
  ]...)
  id = each.value
}

data "aws_nat_gateways" "network" {
  for_each = local.network_adopt
  vpc_id   = data.aws_vpc.network[each.key].id
  filter {
    name   = "state"
    values = ["available"]
  }
}

# Production: VPC flow logs (all traffic) into CloudWatch Logs, kept as long as the stage's logs.
locals {
  network_flow_logs = local.is_production ? local.network_create : {}
}

resource "aws_cloudwatch_log_group" "network__flow_logs" {
  for_each          = local.network_flow_logs
  name              = "/vintner/${local.rn["network/${each.key}"]}/vpc-flow-logs"
  retention_in_days = local.log_retention
}

data "aws_iam_policy_document" "network__flow_logs_assume" {
  for_each = local.network_flow_logs
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["vpc-flow-logs.amazonaws.com"]
    }
    # Only flow logs of this account may use the role (confused deputy).
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

data "aws_iam_policy_document" "network__flow_logs" {
  for_each = local.network_flow_logs
  statement {
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
    resources = ["${aws_cloudwatch_log_group.network__flow_logs[each.key].arn}:*"]
  }
}

resource "aws_iam_role" "network__flow_logs" {
  for_each           = local.network_flow_logs
  name               = "vintner-${local.name["network/${each.key}"]["47"]}-flowlog"
  assume_role_policy = data.aws_iam_policy_document.network__flow_logs_assume[each.key].json
}

resource "aws_iam_role_policy" "network__flow_logs" {
  for_each = local.network_flow_logs
  name     = "write-flow-logs"
  role     = aws_iam_role.network__flow_logs[each.key].id
  policy   = data.aws_iam_policy_document.network__flow_logs[each.key].json
}

resource "aws_flow_log" "network" {
  for_each                 = local.network_flow_logs
  vpc_id                   = aws_vpc.network[each.key].id
  traffic_type             = "ALL"
  log_destination_type     = "cloud-watch-logs"
  log_destination          = aws_cloudwatch_log_group.network__flow_logs[each.key].arn
  iam_role_arn             = aws_iam_role.network__flow_logs[each.key].arn
  max_aggregation_interval = 600
  depends_on               = [aws_iam_role_policy.network__flow_logs]
}

output "network" {
  description = "\"<name>\" → the component's outputs: exactly the contract's keys (../CONTRACT.md); nothing secret."
  value = merge(
    {
      for k, c in local.network_create : k => {
        id                 = aws_vpc.network[k].id
        arn                = aws_vpc.network[k].arn
        name               = local.rn["network/${k}"]
        cidr_block         = aws_vpc.network[k].cidr_block
        availability_zones = [for key, s in local.private_subnets : aws_subnet.network__private[key].availability_zone if s.network == k]
        private_subnets    = [for key, s in local.private_subnets : aws_subnet.network__private[key].id if s.network == k]
        public_subnets     = [for key, s in local.public_subnets : aws_subnet.network__public[key].id if s.network == k]
        nat_gateways       = local.nat_count[k]
      }
    },
    {
      for k, c in local.network_adopt : k => {
        id         = data.aws_vpc.network[k].id
        arn        = data.aws_vpc.network[k].arn
        name       = try(data.aws_vpc.network[k].tags["Name"], data.aws_vpc.network[k].id)
        cidr_block = data.aws_vpc.network[k].cidr_block
        availability_zones = distinct([
          for key, s in data.aws_subnet.network__private : s.availability_zone if startswith(key, "${k}/")
        ])
        private_subnets = data.aws_subnets.network__private[k].ids
        public_subnets  = data.aws_subnets.network__public[k].ids
        nat_gateways    = length(data.aws_nat_gateways.network[k].ids)
      }
    },
  )
}
