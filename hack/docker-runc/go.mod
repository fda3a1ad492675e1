module hare-operator/hack/docker-runc

go 1.24
