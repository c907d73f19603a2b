# Realistic identifiers where the module parses them (ARNs) or the tests compare them; everything
# else is made up by Terraform's mock provider.
mock_data "aws_caller_identity" {
  defaults = { account_id = "123456789012", arn = "arn:aws:iam::123456789012:role/deployer" }
}
mock_data "aws_partition" {
  defaults = { partition = "aws", dns_suffix = "amazonaws.com" }
}
mock_data "aws_vpc" {
  defaults = { id = "vpc-0default", cidr_block = "172.31.0.0/16" }
}
mock_data "aws_subnets" {
  defaults = { ids = ["subnet-0aaa", "subnet-0bbb", "subnet-0ccc"] }
}
mock_resource "aws_ecs_cluster" {
  defaults = { arn = "arn:aws:ecs:eu-west-1:123456789012:cluster/tendril-ci-3f2a9c1b" }
}
mock_resource "aws_secretsmanager_secret" {
  defaults = { arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:tendril-ci-3f2a9c1b/pool-token-AbCdEf" }
}
mock_resource "aws_secretsmanager_secret_version" {
  defaults = { version_id = "11111111-2222-3333-4444-555555555555" }
}
mock_resource "aws_cloudwatch_log_group" {
  defaults = { arn = "arn:aws:logs:eu-west-1:123456789012:log-group:/tendril/tendril-ci-3f2a9c1b" }
}
mock_resource "aws_iam_role" {
  defaults = { arn = "arn:aws:iam::123456789012:role/tendril-ci-3f2a9c1b-mock" }
}
mock_resource "aws_security_group" {
  defaults = { id = "sg-0own" }
}
