export {
  BASELINE_SCOPE,
  INVOICE_TOOLS,
  type McpInvoiceAction,
  MFA,
  mcpInvoiceActions,
  mcpInvoiceScopes,
} from './actions.js';
export { createMcpApp, type McpAppSetup } from './app.js';
export { canonicalAudience, defaultAudience, MCP_PATH, type McpExampleConfig, readMcpConfig } from './config.js';
export { type RunningMcpInvoices, type RunOptions, runMcpInvoices } from './run.js';
export { createInvoiceServer } from './tools.js';
