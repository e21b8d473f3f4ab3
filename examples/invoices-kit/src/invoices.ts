/** The in-memory invoice store both examples serve. */
export interface Invoice {
  readonly id: string;
  readonly customer: string;
  readonly amount: number;
  readonly currency: string;
  status: 'open' | 'refunded';
}

const CUSTOMERS = ['Acme Corp', 'Globex', 'Initech', 'Umbrella', 'Hooli'];

export class InvoiceStore {
  readonly #invoices = new Map<string, Invoice>();

  constructor() {
    for (let n = 1001; n <= 1010; n++) {
      const id = `inv_${n}`;
      this.#invoices.set(id, {
        id,
        customer: CUSTOMERS[n % CUSTOMERS.length] as string,
        amount: 100 * (n - 1000) + 50,
        currency: 'EUR',
        status: 'open',
      });
    }
  }

  list(): Invoice[] {
    return [...this.#invoices.values()];
  }

  get(id: string): Invoice | undefined {
    return this.#invoices.get(id);
  }

  delete(id: string): boolean {
    return this.#invoices.delete(id);
  }

  /** `'refunded'` on success, `'already'` if refunded before, `undefined` if unknown. */
  refund(id: string): 'refunded' | 'already' | undefined {
    const invoice = this.#invoices.get(id);
    if (invoice === undefined) return undefined;
    if (invoice.status === 'refunded') return 'already';
    invoice.status = 'refunded';
    return 'refunded';
  }
}
