declare const _default: import("wxt").UserConfig;
export default _default;
