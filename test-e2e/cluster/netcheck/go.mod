module hare.local/netcheck

go 1.24
