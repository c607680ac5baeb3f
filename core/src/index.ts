export const FLOWLENS_CORE_VERSION = '0.1.0';
