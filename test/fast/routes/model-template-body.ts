// A small model template as a team would register it: its own three-class dataset spec, the built-in
// trainer (no job), and a gate on macro F1.
export const irisLikeTemplate = () => ({
  description: 'three kinds of flower from four measurements',
  datasetSpec: {
    features: [
      { name: 'sepal_length', type: 'float', min: 0, max: 10 },
      { name: 'sepal_width', type: 'float', min: 0, max: 10 },
      { name: 'petal_length', type: 'float', min: 0, max: 10 },
      { name: 'colour', type: 'categorical', categories: ['white', 'blue', 'purple'], nullable: true },
    ],
    target: { name: 'species', classes: ['setosa', 'versicolor', 'virginica'] },
  },
  params: { epochs: 30 },
  gate: { f1_macro: { threshold: 0.8, greater_is_better: true } },
  approvalTimeout: '2d',
});
