import { expect } from 'chai';
import { closestName, didYouMean, editDistance } from '../../lib/config/suggest.js';

describe('config/suggest', () => {
  it('counts insertions, deletions, substitutions and adjacent swaps', () => {
    expect(editDistance('embed_dim', 'embed_dims')).to.equal(1);
    expect(editDistance('chanels', 'channels')).to.equal(1);
    expect(editDistance('modle', 'model')).to.equal(1);
    expect(editDistance('kitten', 'sitting')).to.equal(3);
    expect(editDistance('', 'abc')).to.equal(3);
  });

  it('suggests the closest name only when it is a likely typo', () => {
    const keys = ['embed_dims', 'depths', 'num_heads', 'window_size'];
    expect(closestName('embed_dim', keys)).to.equal('embed_dims');
    expect(closestName('WINDOW_SIZE', keys)).to.equal('window_size');
    expect(closestName('mlp_ratio', keys)).to.equal(undefined);
    expect(didYouMean('depth', keys)).to.equal(" (did you mean 'depths'?)");
    expect(didYouMean('qkv_bias', keys)).to.equal('');
  });
});
