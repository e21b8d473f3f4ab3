export { defineInvoiceActions, type InvoiceAction, invoiceActions, invoiceScopes, MFA } from './actions.js';
export { type ExampleConfig, ExampleConfigError, readConfig } from './config.js';
export { type Invoice, InvoiceStore } from './invoices.js';
export { type ExampleSetup, type ListenerFactory, runExample } from './run.js';
