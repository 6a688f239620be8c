import 'reflect-metadata';
import { chooseModel, createInvoiceRuntime, extractInvoice } from './invoice.js';

const result = await extractInvoice(createInvoiceRuntime(chooseModel()));
console.log(`stop: ${result.stopReason} after ${result.steps} steps`);
if (result.output) {
  // Typed: result.output is an Invoice.
  console.log(`${result.output.vendor} ${result.output.invoiceNumber}: ${result.output.lines.length} line(s), total ${result.output.total.toFixed(2)} ${result.output.currency}`);
} else {
  console.log(`no valid invoice: ${result.error?.message ?? result.stopDetail ?? ''}`);
}
process.exitCode = result.stopReason === 'final_answer' ? 0 : 1;
