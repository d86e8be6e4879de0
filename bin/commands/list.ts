import type { Command } from 'commander';
import { COMPONENT_KINDS, listComponents } from '../../lib/registry.js';
import '../../lib/components.js';

export function registerList(program: Command): void {
  program
    .command('list')
    .description('print every registered component, by kind')
    .addHelpText('after', '\nExample:\n  $ segvit list')
    .action(() => {
      const components = listComponents();
      for (const kind of COMPONENT_KINDS) {
        const entries = components[kind];
        console.log(`${kind}${entries.length === 0 ? ' (none yet)' : ''}`);
        const width = Math.max(0, ...entries.map((e) => e.type.length));
        for (const e of entries) console.log(`  ${e.type.padEnd(width)}  ${e.description}`);
      }
    });
}
