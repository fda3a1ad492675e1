{{/* Names and labels shared by every template. */}}
{{- define "hare-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "hare-operator.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := include "hare-operator.name" . -}}
{{- if contains $name .Release.Name -}}{{ .Release.Name | trunc 63 | trimSuffix "-" }}{{- else -}}{{ printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}{{- end -}}
{{- end -}}
{{- end -}}

{{- define "hare-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "hare-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "hare-operator.labels" -}}
{{ include "hare-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "hare-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}{{ default (include "hare-operator.fullname" .) .Values.serviceAccount.name }}{{- else -}}{{ default "default" .Values.serviceAccount.name }}{{- end -}}
{{- end -}}

{{- /* repository:tag, or repository@digest when a digest is set (the digest wins over the tag). */ -}}
{{- define "hare-operator.image" -}}
{{- if .Values.image.digest -}}{{ .Values.image.repository }}@{{ .Values.image.digest }}{{- else -}}{{ .Values.image.repository }}:{{ default .Chart.AppVersion .Values.image.tag }}{{- end -}}
{{- end -}}

{{- /* The Lease name; the operator's leader_election_master_status{name} carries it, so the alerts select on it. */ -}}
{{- define "hare-operator.leaseName" -}}
{{ include "hare-operator.fullname" . }}-leader
{{- end -}}

{{- /* Namespaces the consumer pods live in, for the PodMonitor and the alerts. */ -}}
{{- define "hare-operator.consumerNamespaceSelector" -}}
{{- if .Values.watchNamespace -}}
matchNames: [{{ .Values.watchNamespace }}]
{{- else -}}
any: true
{{- end -}}
{{- end -}}
