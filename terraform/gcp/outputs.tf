# The input prefix. Each kind's output ("<name>" → its outputs) is declared in <kind>.tf.
output "name_prefix" {
  value = var.name_prefix
}
