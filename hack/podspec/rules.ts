// What the generated pod template adds to the API server's schema: the restricted pod security profile as CEL
// rules per definition, the volume sources it allows, and bounds that keep the rules' cost estimable.
export interface Rule {
  rule: string;
  message: string;
}

/** Volume sources the restricted profile allows; the others stay in the schema, empty, to be refused by name. */
export const ALLOWED_VOLUMES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];

const restricted = (what: string): string => `${what}: the restricted pod security profile forbids it`;

/** CEL rules added wherever a definition is inlined. */
export const RULES: Record<string, Rule[]> = {
  'io.k8s.api.core.v1.SecurityContext': [
    { rule: '!has(self.privileged) || !self.privileged', message: restricted('securityContext.privileged must not be true') },
    { rule: '!has(self.allowPrivilegeEscalation) || !self.allowPrivilegeEscalation', message: restricted('securityContext.allowPrivilegeEscalation must not be true') },
    { rule: '!has(self.runAsNonRoot) || self.runAsNonRoot', message: restricted('securityContext.runAsNonRoot must not be false') },
    { rule: '!has(self.runAsUser) || self.runAsUser != 0', message: restricted('securityContext.runAsUser must not be 0 (root)') },
    { rule: "!has(self.capabilities) || !has(self.capabilities.add) || self.capabilities.add.all(c, c == 'NET_BIND_SERVICE')", message: restricted('securityContext.capabilities.add may only hold NET_BIND_SERVICE') },
    { rule: "!has(self.seccompProfile) || self.seccompProfile.type != 'Unconfined'", message: restricted('securityContext.seccompProfile.type must not be Unconfined') },
    { rule: "!has(self.appArmorProfile) || self.appArmorProfile.type != 'Unconfined'", message: restricted('securityContext.appArmorProfile.type must not be Unconfined') },
    { rule: "!has(self.procMount) || self.procMount == 'Default'", message: restricted('securityContext.procMount must be Default') },
    { rule: '!has(self.windowsOptions) || !has(self.windowsOptions.hostProcess) || !self.windowsOptions.hostProcess', message: restricted('securityContext.windowsOptions.hostProcess must not be true') },
    { rule: '!has(self.seLinuxOptions) || (!has(self.seLinuxOptions.user) && !has(self.seLinuxOptions.role))', message: restricted('securityContext.seLinuxOptions.user and .role must be unset') },
  ],
  'io.k8s.api.core.v1.ContainerPort': [
    { rule: '!has(self.hostPort) || self.hostPort == 0', message: restricted('ports[].hostPort must be unset') },
  ],
  'io.k8s.api.core.v1.EnvVar': [
    { rule: "!self.name.startsWith('HARE_')", message: "env names starting with 'HARE_' are reserved for the pod contract" },
  ],
};

/** Extra bounds (maxItems, maxLength) by definition and field: CEL must be able to bound a rule's cost. */
export const BOUNDS: Record<string, Record<string, { maxItems?: number; itemMaxLength?: number; maxLength?: number }>> = {
  'io.k8s.api.core.v1.Capabilities': { add: { maxItems: 64, itemMaxLength: 64 }, drop: { maxItems: 64, itemMaxLength: 64 } },
  'io.k8s.api.core.v1.EnvVar': { name: { maxLength: 253 } },
  'io.k8s.api.core.v1.Container': { ports: { maxItems: 64 } },
  'io.k8s.api.core.v1.ContainerPort': { name: { maxLength: 15 } },
};

/** Bounds and rules on the template's own fields (the pod's lists). */
export const FIELDS: Record<string, { description?: string; maxItems?: number; rules?: Rule[] }> = {
  volumes: {
    description: 'Volumes of the pod, as in a Pod, of the kinds the restricted pod security profile allows; the operator adds tmp (the consumer\'s /tmp).',
    maxItems: 100,
    rules: [{ rule: "self.all(v, v.name != 'tmp' && v.name != 'broker-tls')", message: "template.spec.volumes: the names 'tmp' and 'broker-tls' are the operator's (the consumer's /tmp and the broker's CA)" }],
  },
  initContainers: {
    description: 'Init containers, as in a Pod; with restartPolicy Always a native sidecar that runs beside the consumer. Each runs restricted, as the consumer does.',
    maxItems: 20,
    rules: [
      { rule: 'self.all(c, has(c.image))', message: 'template.spec.initContainers: every init container needs an image' },
      { rule: "self.all(c, c.name != 'consumer')", message: "template.spec.initContainers: the name 'consumer' is the consumer container's" },
    ],
  },
  containers: {
    description: "The consumer container's settings in the entry named consumer (merged into the operator's container: command, args, env, envFrom, volumeMounts, resources, ports, probes, lifecycle, imagePullPolicy, securityContext), and any extra containers. Each runs restricted.",
    maxItems: 20,
    rules: [
      { rule: "self.all(c, c.name != 'consumer' || !has(c.image))", message: "template.spec.containers: the container named 'consumer' is merged into the operator's and runs spec.image: leave its image unset" },
      { rule: "self.all(c, c.name == 'consumer' || has(c.image))", message: "template.spec.containers: every container but 'consumer' needs an image" },
    ],
  },
  topologySpreadConstraints: { maxItems: 20 },
  hostAliases: { maxItems: 100 },
};
