/** --cfg-options shrinking the digits demo to seconds: 32x32 scenes, 16 training samples, a 16-dim Swin. */
export function tinyDigitsOptions(dataRoot: string, trainSamples = 16): string[] {
  return [
    'model.data_preprocessor.size=[32,32]',
    'model.backbone.embed_dims=16',
    'model.decode_head.in_channels=[16,32,64,128]',
    'model.decode_head.channels=16',
    'model.auxiliary_head.in_channels=64',
    'model.auxiliary_head.channels=8',
    `train_dataloader.dataset.data_root=${dataRoot}`,
    `train_dataloader.dataset.num_samples=${trainSamples}`,
    'train_dataloader.dataset.img_size=32',
    'train_dataloader.batch_size=2',
    'train_dataloader.num_workers=0',
    `val_dataloader.dataset.data_root=${dataRoot}`,
    'val_dataloader.dataset.num_samples=5',
    'val_dataloader.dataset.img_size=32',
    'val_dataloader.num_workers=0',
  ];
}
