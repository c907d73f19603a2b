# existing_network_id / existing_zone_id: read, never created.
mock_provider "aws" {
  mock_data "aws_partition" {
    defaults = { partition = "aws", dns_suffix = "amazonaws.com" }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
  # Realistic identifiers where the provider validates the argument that receives them.
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/vintner-mock" }
  }
  mock_resource "aws_sns_topic" {
    defaults = { arn = "arn:aws:sns:us-east-1:123456789012:mock" }
  }
  mock_resource "aws_launch_template" {
    defaults = { id = "lt-0123456789abcdef0", latest_version = 1 }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:mock" }
  }
  mock_resource "aws_sqs_queue" {
    defaults = { arn = "arn:aws:sqs:us-east-1:123456789012:mock", url = "https://sqs.us-east-1.amazonaws.com/123456789012/mock" }
  }
  mock_data "aws_vpc" {
    defaults = { cidr_block = "172.31.0.0/16", arn = "arn:aws:ec2:us-east-1:123456789012:vpc/vpc-0abc", tags = { Name = "shared" } }
  }
  mock_data "aws_subnets" {
    defaults = { ids = ["subnet-0aaa", "subnet-0bbb"] }
  }
  mock_data "aws_subnet" {
    defaults = { availability_zone = "us-east-1a" }
  }
  mock_data "aws_nat_gateways" {
    defaults = { ids = ["nat-0aaa"] }
  }
  mock_data "aws_route53_zone" {
    defaults = { name = "example.com.", private_zone = false, name_servers = ["ns-1.awsdns-01.org"], arn = "arn:aws:route53:::hostedzone/Z0ADOPTED" }
  }
  mock_resource "aws_db_instance" {
    defaults = {
      address            = "acme-shop-dev-db-main.abc.us-east-1.rds.amazonaws.com"
      endpoint           = "acme-shop-dev-db-main.abc.us-east-1.rds.amazonaws.com:5432"
      master_user_secret = [{ secret_arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-1", kms_key_id = "k", secret_status = "active" }]
    }
  }
}
mock_provider "helm" {}
mock_provider "random" {}
mock_provider "tls" {}

variables {
  vineyard    = "Acme"
  vine        = "Shop"
  region      = "us-east-1"
  name_prefix = "acme-shop-dev"
  stage       = "development"
  network = {
    name       = "network", resource_name = "acme-shop-dev-net"
    cidr_block = "10.0.0.0/16", az_count = 1, nat_gateway = "single", existing_network_id = "vpc-0abc"
  }
  dns = {
    name        = "dns", resource_name = "acme-shop-dev-dns"
    domain_name = "example.com", private_zone = false, existing_zone_id = "Z0ADOPTED"
  }
  databases = {
    main = {
      name              = "main", resource_name = "acme-shop-dev-db-main"
      engine            = "postgres", engine_version = "16", size = "small", storage_gb = 20
      high_availability = false, backup_retention_days = 1
    }
  }
}

run "adopted_network_and_zone_create_nothing_of_theirs" {
  command = apply

  assert {
    condition = (length(aws_vpc.network) + length(aws_subnet.network__private) + length(aws_subnet.network__public)
      + length(aws_internet_gateway.network) + length(aws_nat_gateway.network__nat) + length(aws_eip.network__nat)
      + length(aws_route_table.network__public) + length(aws_route_table.network__private) + length(aws_default_security_group.network__default)
    ) == 0
    error_message = "existing_network_id: no VPC, subnet, gateway or route table is created"
  }
  assert {
    condition     = length(aws_route53_zone.dns) == 0 && data.aws_route53_zone.dns["dns"].zone_id == "Z0ADOPTED"
    error_message = "existing_zone_id: the zone is read, not created"
  }
  assert {
    condition     = data.aws_vpc.network["network"].id == "vpc-0abc"
    error_message = "the adopted VPC is read by its id"
  }
  assert {
    condition     = aws_security_group.databases["main"].vpc_id == "vpc-0abc" && aws_vpc_security_group_ingress_rule.databases["main"].cidr_ipv4 == "172.31.0.0/16"
    error_message = "a database in an adopted network opens to that VPC's CIDR"
  }
  assert {
    condition     = toset(aws_db_subnet_group.databases["main"].subnet_ids) == toset(["subnet-0aaa", "subnet-0bbb"])
    error_message = "a database in an adopted network uses its private subnets"
  }
  assert {
    condition     = output.network["network"].id == "vpc-0abc" && output.network["network"].cidr_block == "172.31.0.0/16" && output.network["network"].nat_gateways == 1
    error_message = "the adopted network's outputs come from the data sources"
  }
  assert {
    condition     = output.dns["dns"].zone_id == "Z0ADOPTED" && output.dns["dns"].domain_name == "example.com"
    error_message = "the adopted zone's outputs come from the data source"
  }
}

run "created_network_and_zone" {
  command = plan

  variables {
    network = {
      name       = "network", resource_name = "acme-shop-dev-net"
      cidr_block = "10.0.0.0/16", az_count = 1, nat_gateway = "single", existing_network_id = null
    }
    dns = {
      name        = "dns", resource_name = "acme-shop-dev-dns"
      domain_name = "internal.example.com", private_zone = true, existing_zone_id = null
    }
  }

  override_data {
    target = data.aws_availability_zones.network["network"]
    values = { names = ["us-east-1a", "us-east-1b", "us-east-1c"] }
  }

  assert {
    condition     = length(aws_vpc.network) == 1 && length(data.aws_vpc.network) == 0 && length(data.aws_subnets.network__private) == 0
    error_message = "without existing_network_id the VPC is created, nothing read"
  }
  assert {
    condition     = length(aws_route53_zone.dns) == 1 && length(aws_route53_zone.dns["dns"].vpc) == 1 && length(data.aws_route53_zone.dns) == 0
    error_message = "a private zone is created, attached to the vine's VPC"
  }
  assert {
    condition     = aws_route53_zone.dns["dns"].force_destroy
    error_message = "development zones are deleted with their records"
  }
}
