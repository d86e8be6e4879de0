import { expect } from 'chai';
import { ConfigError } from '../lib/config/errors.js';
import { COMPONENT_KINDS, createRegistries, listComponents, registries, Registry } from '../lib/registry.js';
import { Built, testRegistries } from './config/test-registries.js';

describe('registry', () => {
  it('registers, looks up and lists types', () => {
    const r = testRegistries();
    expect(r.backbone.has('SwinTransformer')).to.equal(true);
    expect(r.backbone.has('ResNet')).to.equal(false);
    expect(r.head.types()).to.deep.equal(['FCNHead', 'UPerHead']);
    expect(r.backbone.get('SwinTransformer').description).to.equal('Swin Transformer');
    expect(r.backbone.kind).to.equal('backbone');
  });

  it('refuses to register a type twice', () => {
    const r = testRegistries();
    const spec = { description: 'again', schema: { properties: {} }, build: () => new Built('x', {}, '') as never };
    expect(() => r.backbone.register('SwinTransformer', spec)).to.throw(
      "backbone 'SwinTransformer' is already registered",
    );
  });

  it('names the unknown type, the closest registered one and all of them', () => {
    const r = testRegistries();
    expect(r.backbone.unknownType('SwinTransformerX')).to.equal(
      "unknown backbone 'SwinTransformerX' (did you mean 'SwinTransformer'?); " +
        'registered: SwinTransformer, VisionTransformer',
    );
    expect(r.backbone.unknownType('ResNet')).to.equal(
      "unknown backbone 'ResNet'; registered: SwinTransformer, VisionTransformer",
    );
    expect(createRegistries().neck.unknownType('FPN')).to.equal("unknown neck 'FPN'; registered: none");
    expect(() => r.backbone.get('ResNet', 'model.backbone')).to.throw(
      ConfigError,
      "model.backbone.type: unknown backbone 'ResNet'; registered: SwinTransformer, VisionTransformer",
    );
  });

  it('builds from a config: options without type, defaults filled, the input left untouched', () => {
    const r = testRegistries();
    const cfg = { type: 'SwinTransformer', embed_dims: 128 };
    const built = r.backbone.build(cfg, 'model.backbone') as unknown as Built;
    expect(built).to.be.instanceOf(Built);
    expect(built.type).to.equal('SwinTransformer');
    expect(built.path).to.equal('model.backbone');
    expect(built.options).to.deep.equal({
      embed_dims: 128,
      depths: [2, 2, 6, 2],
      num_heads: [3, 6, 12, 24],
      window_size: 7,
      drop_path_rate: 0.1,
    });
    expect(cfg).to.deep.equal({ type: 'SwinTransformer', embed_dims: 128 });
  });

  it('builds nested components from the same registries, passing the path on', () => {
    const r = testRegistries();
    const cfg = {
      type: 'EncoderDecoder',
      backbone: { type: 'VisionTransformer' },
      decode_head: { type: 'UPerHead', channels: 512, num_classes: 150 },
    };
    const segmentor = r.segmentor.build(cfg, 'model') as unknown as Built;
    const backbone = segmentor.nested.backbone as unknown as Built;
    expect(backbone.type).to.equal('VisionTransformer');
    expect(backbone.path).to.equal('model.backbone');
    expect(backbone.options).to.deep.equal({ embed_dims: 768 });
  });

  it('validates before building, nested components included', () => {
    const r = testRegistries();
    let calls = 0;
    r.neck.register('FPN', {
      description: 'FPN',
      schema: { properties: { out_channels: { type: 'integer' } }, required: ['out_channels'] },
      build: (options) => {
        calls++;
        return new Built('FPN', options, '') as never;
      },
    });
    expect(() => r.neck.build({ type: 'FPN', out_channels: 'many' }, 'model.neck')).to.throw(
      ConfigError,
      'model.neck.out_channels: must be integer',
    );
    expect(() => r.neck.build({ type: 'FPN' }, 'model.neck')).to.throw(
      ConfigError,
      "model.neck: missing required key 'out_channels'",
    );
    expect(() => r.neck.build({ type: 'FPNX', out_channels: 1 }, 'model.neck')).to.throw(
      ConfigError,
      "model.neck.type: unknown neck 'FPNX' (did you mean 'FPN'?); registered: FPN",
    );
    expect(calls).to.equal(0);
    const bad = { type: 'EncoderDecoder', backbone: { type: 'SwinTransformer', depths: [2, 0] }, decode_head: {} };
    const err = (() => {
      try {
        r.segmentor.build(bad, 'model');
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(err.problems.map((p) => `${p.path}: ${p.reason}`)).to.deep.equal([
      'model.backbone.depths.1: must be >= 1',
      "model.decode_head: missing required key 'type' (registered heads: FCNHead, UPerHead)",
    ]);
  });

  it('lets a schema keep extra keys with additionalProperties', () => {
    const r = createRegistries();
    r.transform.register('PackSegInputs', {
      description: 'pack',
      schema: { properties: {}, additionalProperties: true },
      build: (options) => options as never,
    });
    expect(r.transform.build({ type: 'PackSegInputs', meta_keys: ['img_path'] }, 'pipeline.0')).to.deep.equal({
      meta_keys: ['img_path'],
    });
  });

  it('names the component whose schema is invalid', () => {
    const r = createRegistries();
    r.loss.register('BrokenLoss', {
      description: 'a schema with a typo',
      schema: { properties: { loss_weight: { type: 'number', minimun: 0 } as never } },
      build: () => new Built('BrokenLoss', {}, '') as never,
    });
    expect(() => r.loss.build({ type: 'BrokenLoss' }, 'loss')).to.throw(
      /^loss 'BrokenLoss' registered an invalid schema: /,
    );
  });

  it('constructs standalone registries, and the global set has every kind', () => {
    const r = createRegistries();
    const metric = new Registry<string>('metric', r);
    metric.register('Echo', {
      description: 'echo',
      schema: { properties: { x: { type: 'string' } } },
      build: (options) => String(options.x),
    });
    expect(metric.build({ type: 'Echo', x: 'hi' }, 'val_evaluator')).to.equal('hi');
    expect(Object.keys(registries)).to.have.members([...COMPONENT_KINDS]);
    for (const kind of COMPONENT_KINDS) expect(registries[kind].kind).to.equal(kind);
  });

  it('lists components by kind for `segvit list`', () => {
    const listed = listComponents(testRegistries());
    expect(Object.keys(listed)).to.deep.equal([...COMPONENT_KINDS]);
    expect(listed.head).to.deep.equal([
      { type: 'FCNHead', description: 'FCNHead' },
      { type: 'UPerHead', description: 'UPerHead' },
    ]);
    expect(listed.neck).to.deep.equal([]);
    expect(Object.keys(listComponents())).to.deep.equal([...COMPONENT_KINDS]);
  });
});
