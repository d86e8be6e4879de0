import type { Command } from 'commander';
import { componentTables } from '../../lib/component-docs.js';
import { COMPONENT_KINDS, listComponents } from '../../lib/registry.js';
import '../../lib/components.js';

export function registerList(program: Command): void {
  program
    .command('list')
    .description('print every registered component, by kind')
    .option('--markdown', "print markdown tables with every component's options, defaults and descriptions (the README's)")
    .addHelpText('after', '\nExample:\n  $ segvit list\n  $ segvit list --markdown > components.md')
    .action((opts: { markdown?: boolean }) => {
      if (opts.markdown) {
        process.stdout.write(componentTables());
        return;
      }
      const components = listComponents();
      for (const kind of COMPONENT_KINDS) {
        const entries = components[kind];
        console.log(`${kind}${entries.length === 0 ? ' (none yet)' : ''}`);
        const width = Math.max(0, ...entries.map((e) => e.type.length));
        for (const e of entries) console.log(`  ${e.type.padEnd(width)}  ${e.description}`);
      }
    });
}
